"""One Public Estate, declared for the strand registry (programmes/strands.py)."""

from programmes.ope import board, forms
from programmes.ope.models import OpeBidDetail
from programmes.ope.selectors import council_nav_item
from programmes.strands import BoardBlock, PaperSection, StrandSpec
from savings.models import InvestmentSource

STRAND = StrandSpec(
    key="ope",
    name="One Public Estate",
    short_name="OPE",
    reference_prefix="OPE",
    order=1,
    bid_based=True,
    bid_detail_model=OpeBidDetail,
    council_nav=council_nav_item,
    bid_detail_forms=(forms.PartnersForm, forms.AssetsForm, forms.PlanForm),
    assessment_criteria=(
        ("partnership", "Strength of the partnership of public bodies"),
        ("assets", "Scale of the assets in scope"),
        ("deliverability", "Deliverability of the plan"),
        ("value_for_money", "Value for money"),
    ),
    # Para 4: the resource comes from the Cabinet Office.
    investment_source=InvestmentSource.CABINET_OFFICE,
    partner_councils_label="Other councils in the partnership",
    summary=(
        "A capital and assets programme run by the LGA for the Cabinet Office, "
        "with 12 pilot councils sharing public property with other public bodies."
    ),
    board=BoardBlock(fill=board.fill, activity=board.activity),
    paper=PaperSection(
        heading="'One Public Estate' Capital and Assets programme",
        paragraphs=board.paper_paragraphs,
    ),
)
