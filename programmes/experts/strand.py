"""Productivity Experts, declared for the strand registry (programmes/strands.py)."""

from programmes.experts import board, forms
from programmes.experts.models import ExpertsBidDetail
from programmes.experts.selectors import case_studies_published, case_study_get_public
from programmes.strands import BoardBlock, PaperSection, PublicBlock, StrandSpec
from savings.models import InvestmentSource

STRAND = StrandSpec(
    key="experts",
    name="Productivity Experts",
    short_name="Experts",
    reference_prefix="PE",
    order=2,
    bid_based=True,
    bid_detail_model=ExpertsBidDetail,
    bid_detail_forms=(forms.ExpertiseForm, forms.SavingsForm),
    assessment_criteria=(
        ("savings_potential", "Savings potential"),
        ("deliverability", "Deliverability"),
        ("value_for_money", "Value for money"),
        ("transferability", "Transferability to other councils"),
    ),
    investment_source=InvestmentSource.LGA_GRANT,
    # Para 8: one appointment can serve several councils.
    partner_councils_label="Other councils the expert will serve",
    summary=(
        "Funding for councils to engage an expert in the field they need "
        "to deliver efficiency savings."
    ),
    board=BoardBlock(fill=board.fill, template="experts/board.html"),
    # Para 9: the case studies published on the LGA's productivity pages.
    public=PublicBlock(
        heading="Case studies",
        path="case-studies",
        items=case_studies_published,
        template="experts/_public_case_studies.html",
        item=case_study_get_public,
        item_template="experts/public_case_study.html",
    ),
    # Paras 8.1-8.3: the councils named are those of the published case studies.
    paper=PaperSection(
        heading="The Productivity Expert Programme",
        paragraphs=board.paper_paragraphs,
        named_examples=False,
    ),
)
