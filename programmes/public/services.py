"""Writes to the public page's initiatives. One transaction each.

Who may act (programmes/permissions.py): LGA officers only (`require_officer`).
"""

from __future__ import annotations

from django.db import transaction

from programmes.models import Strand
from programmes.permissions import Actor, require_officer
from programmes.public.models import Initiative
from programmes.services import model_update

INITIATIVE_FIELDS = ("title", "summary", "strand", "link_url", "display_order", "published")


@transaction.atomic
def initiative_save(
    *,
    title: str,
    summary: str,
    actor: Actor,
    initiative: Initiative | None = None,
    strand: Strand | None = None,
    link_url: str = "",
    display_order: int = 0,
    published: bool = False,
) -> Initiative:
    """Create or change an initiative, and say whether the public sees it."""
    require_officer(actor)
    if initiative is not None and initiative.pk:
        # The stored row, locked: the admin hands over its form's copy, already changed.
        initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    initiative, _ = model_update(
        instance=initiative or Initiative(),
        fields=INITIATIVE_FIELDS,
        data={
            "title": title,
            "summary": summary,
            "strand": strand,
            "link_url": link_url,
            "display_order": display_order,
            "published": published,
        },
    )
    return initiative


@transaction.atomic
def initiative_delete(*, initiative: Initiative, actor: Actor) -> None:
    require_officer(actor)
    initiative.delete()
