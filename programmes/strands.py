"""The strand registry: what the generic apps need to know about each strand.

`applications` and `savings` never import a strand app. They look a strand up
here by its key (the model is healthchecks' TRANSPORTS dict). A strand app adds
to its entry by naming its pieces as dotted paths, so this module imports
nothing above the core layer.

Strands and their facts come from the 2013 board paper ("Productivity
Programme Update", Item 8): One Public Estate (paras 2-5), Productivity
Experts (6-9), Adult Social Care Efficiency (10-14), Local Economic Growth
Advisers (15-18) and the National Procurement Strategy (19-28).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StrandSpec:
    key: str
    name: str
    short_name: str
    # Bid references start with this, e.g. PE-2013-0042 (read out on the phone).
    reference_prefix: str
    # The Django app (dotted path) that owns the strand's pages and records.
    app: str
    # Councils bid for support through calls; ASCE and procurement are not bid-based.
    bid_based: bool
    summary: str
    # For bid-based strands (the applications issue): the one-to-one model in
    # the strand app that holds the strand's own answers, the forms for its
    # question pages (one topic per page, in order), the criteria officers
    # score 1-5, and the InvestmentSource value recorded when a bid is awarded.
    # Dotted paths and plain values only: this module imports nothing above
    # the core layer.
    bid_detail_model: str = ""
    bid_detail_forms: tuple[str, ...] = ()
    assessment_criteria: tuple[tuple[str, str], ...] = ()
    investment_source: str = "lga_grant"
    # Who the question pages call the partner councils, or "" for a strand
    # whose bids are from one council only.
    partner_councils_label: str = "Other councils this bid serves"
    # The URL name of the strand's own page about an award (taking the bid's
    # reference), linked from the council's bid page once approved; "" if none.
    award_page: str = ""
    # Dotted path to `item(user) -> (label, url) | None`: a link in a council
    # applicant's navigation to the strand's own page for their council.
    council_nav: str = ""


STRANDS: dict[str, StrandSpec] = {
    spec.key: spec
    for spec in (
        StrandSpec(
            key="ope",
            name="One Public Estate",
            short_name="OPE",
            reference_prefix="OPE",
            app="programmes.ope",
            bid_based=True,
            bid_detail_model="programmes.ope.models.OpeBidDetail",
            council_nav="programmes.ope.selectors.council_nav_item",
            bid_detail_forms=(
                "programmes.ope.forms.PartnersForm",
                "programmes.ope.forms.AssetsForm",
                "programmes.ope.forms.PlanForm",
            ),
            assessment_criteria=(
                ("partnership", "Strength of the partnership of public bodies"),
                ("assets", "Scale of the assets in scope"),
                ("deliverability", "Deliverability of the plan"),
                ("value_for_money", "Value for money"),
            ),
            # Para 4: the resource comes from the Cabinet Office.
            investment_source="cabinet_office",
            partner_councils_label="Other councils in the partnership",
            summary=(
                "A capital and assets programme run by the LGA for the Cabinet Office, "
                "with 12 pilot councils sharing public property with other public bodies."
            ),
        ),
        StrandSpec(
            key="experts",
            name="Productivity Experts",
            short_name="Experts",
            reference_prefix="PE",
            app="programmes.experts",
            bid_based=True,
            bid_detail_model="programmes.experts.models.ExpertsBidDetail",
            bid_detail_forms=(
                "programmes.experts.forms.ExpertiseForm",
                "programmes.experts.forms.SavingsForm",
            ),
            assessment_criteria=(
                ("savings_potential", "Savings potential"),
                ("deliverability", "Deliverability"),
                ("value_for_money", "Value for money"),
                ("transferability", "Transferability to other councils"),
            ),
            investment_source="lga_grant",
            # Para 8: one appointment can serve several councils.
            partner_councils_label="Other councils the expert will serve",
            summary=(
                "Funding for councils to engage an expert in the field they need "
                "to deliver efficiency savings."
            ),
        ),
        StrandSpec(
            key="asce",
            name="Adult Social Care Efficiency",
            short_name="ASCE",
            reference_prefix="ASCE",
            app="programmes.asce",
            bid_based=False,
            summary=(
                "Participating councils report their adult social care budgets and "
                "the efficiency savings they make each year."
            ),
        ),
        StrandSpec(
            key="growth",
            name="Local Economic Growth Advisers",
            short_name="Growth Advisers",
            reference_prefix="EGA",
            app="programmes.growth",
            bid_based=True,
            bid_detail_model="programmes.growth.models.GrowthBidDetail",
            bid_detail_forms=(
                "programmes.growth.forms.ProjectForm",
                "programmes.growth.forms.SupportAreasForm",
                "programmes.growth.forms.LocalPartnersForm",
            ),
            assessment_criteria=(
                ("growth_impact", "Potential impact on local economic growth"),
                ("fit_with_lep", "Fit with the sub-region and the LEP"),
                ("deliverability", "Deliverable within the days and window"),
                ("value_for_money", "Value for money"),
            ),
            # Para 18: days of adviser support, turned into pounds at the call's day rate.
            investment_source="adviser_days",
            # Para 16: primarily aimed at individual authorities.
            partner_councils_label="",
            award_page="growth:adviser_support",
            summary=(
                "Up to 14 days of support from a panel of economic growth advisers, "
                "used between September 2013 and February 2014."
            ),
        ),
        StrandSpec(
            key="procurement",
            name="National Procurement Strategy",
            short_name="Procurement",
            reference_prefix="NPS",
            app="programmes.procurement",
            bid_based=False,
            summary=(
                "Sector-led category deep dives into construction, energy and ICT, "
                "each with a programme board of councils and public buying organisations."
            ),
        ),
    )
}


def strand_choices() -> list[tuple[str, str]]:
    return [(spec.key, spec.name) for spec in STRANDS.values()]


def get_strand(key: str) -> StrandSpec:
    try:
        return STRANDS[key]
    except KeyError:
        raise LookupError(f"No strand {key!r}; known strands: {', '.join(STRANDS)}") from None
