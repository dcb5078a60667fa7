"""Keep it REAL on the board: its status rows and its paper section."""

from __future__ import annotations

from datetime import date

from programmes.board.charts import format_pounds
from programmes.board.selectors import strand_activity
from programmes.models import Strand
from savings import selectors as rollups


def fill(page) -> None:
    """The status rows, from the awards the page already has: no query."""
    page.status = [("Councils supported", str(page.activity.councils_served))]
    page.extra["support_offer"] = "Commissioning support for councils and their partners"


def paper_paragraphs(strand: Strand, as_at: date) -> list[str]:
    figures = rollups.rollup_for(strand=strand)
    activity = strand_activity(strand=strand)
    return [
        f"Keep it REAL has supported {activity.councils_served} councils, for an "
        f"investment of {format_pounds(figures.investment)} and projected savings of "
        f"{format_pounds(figures.projected)}.",
    ]
