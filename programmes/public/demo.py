"""Demo content of the public "Productivity and commissioning" page (board paper para 29).

The Commissioning Academy and the Keep it REAL support programme, which para 29
names, and one initiative per programme strand (from the strand registry's
summaries), all published. Case studies come from the Experts demo; open
calls from the bids demo.
"""

from __future__ import annotations

from programmes.demo import DemoContext
from programmes.models import Strand
from programmes.permissions import DEMO
from programmes.public.models import Initiative
from programmes.public.services import initiative_save

COMMISSIONING = (
    (
        "Commissioning Academy",
        "One of the initiatives the LGA provides to councils around commissioning. "
        "Councils asked for the LGA's commissioning offer in one place: this page collates it.",
    ),
    (
        "Keep it REAL",
        "The Keep it REAL support programme: another of the LGA's initiatives for councils "
        "around commissioning.",
    ),
)


def load(context: DemoContext) -> None:
    made = 0
    entries: list[tuple[str, str, Strand | None]] = [
        (title, summary, None) for title, summary in COMMISSIONING
    ]
    entries += [(strand.name, strand.spec.summary, strand) for strand in Strand.objects.all()]
    for order, (title, summary, strand) in enumerate(entries, start=1):
        if Initiative.objects.filter(title=title).exists():
            continue
        initiative_save(
            title=title,
            summary=summary,
            strand=strand,
            display_order=order,
            published=True,
            actor=DEMO,
        )
        made += 1
    context.write(f"Public page initiatives: {len(entries)} ({made} new)")
