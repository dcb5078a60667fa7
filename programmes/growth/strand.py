"""Local Economic Growth Advisers, declared for the strand registry (programmes/strands.py)."""

from programmes.growth import board, forms
from programmes.growth.models import GrowthBidDetail
from programmes.strands import BoardBlock, PaperSection, StrandSpec
from savings.models import InvestmentSource

STRAND = StrandSpec(
    key="growth",
    name="Local Economic Growth Advisers",
    short_name="Growth Advisers",
    reference_prefix="EGA",
    order=4,
    bid_based=True,
    bid_detail_model=GrowthBidDetail,
    bid_detail_forms=(forms.ProjectForm, forms.SupportAreasForm, forms.LocalPartnersForm),
    assessment_criteria=(
        ("growth_impact", "Potential impact on local economic growth"),
        ("fit_with_lep", "Fit with the sub-region and its local growth partners"),
        ("deliverability", "Deliverable within the days and window"),
        ("value_for_money", "Value for money"),
    ),
    # Para 18: days of adviser support, turned into pounds at the call's day rate.
    investment_source=InvestmentSource.ADVISER_DAYS,
    # Para 16: primarily aimed at individual authorities.
    partner_councils_label="",
    award_page="growth:adviser_support",
    summary=(
        "Up to 14 days of support from a panel of economic growth advisers, "
        "used within the dates each round sets (September 2013 to February 2014 "
        "in the first)."
    ),
    board=BoardBlock(fill=board.fill),
    paper=PaperSection(heading="Local Economic Growth Advisers", paragraphs=board.paper_paragraphs),
)
