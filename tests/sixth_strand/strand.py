"""Keep it REAL, declared for the strand registry (programmes/strands.py)."""

from programmes.strands import BoardBlock, PaperSection, StrandSpec
from savings.models import InvestmentSource
from tests.sixth_strand import board

STRAND = StrandSpec(
    key="keep_it_real",
    name="Keep it REAL",
    short_name="REAL",
    reference_prefix="KIR",
    order=6,
    bid_based=True,
    summary="Support for councils commissioning services with their communities.",
    assessment_criteria=(
        ("commissioning", "Strength of the commissioning plan"),
        ("value_for_money", "Value for money"),
    ),
    investment_source=InvestmentSource.LGA_GRANT,
    board=BoardBlock(fill=board.fill, template="keep_it_real/board.html"),
    paper=PaperSection(heading="Keep it REAL", paragraphs=board.paper_paragraphs),
)
