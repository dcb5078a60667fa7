"""Adult Social Care Efficiency, declared for the strand registry (programmes/strands.py).

Not bid-based: councils send yearly returns. The rollup drain recomputes the
strand's statistics (mean, median and mode % of budget) with its rollups.
"""

from programmes.asce import board
from programmes.asce.services import asce_statistics_recompute
from programmes.strands import BoardBlock, PaperSection, StrandSpec

STRAND = StrandSpec(
    key="asce",
    name="Adult Social Care Efficiency",
    short_name="ASCE",
    reference_prefix="ASCE",
    order=3,
    bid_based=False,
    summary=(
        "Participating councils report their adult social care budgets and "
        "the efficiency savings they make each year."
    ),
    statistics=asce_statistics_recompute,
    board=BoardBlock(
        fill=board.fill,
        template="asce/board.html",
        charts=(("asce_projections", "Savings as % of budget"),),
        council_fill=board.council_returns,
        council_template="asce/board_council.html",
        councils=board.councils,
        served=board.served,
    ),
    paper=PaperSection(heading="ASCE Programme", paragraphs=board.paper_paragraphs),
)
