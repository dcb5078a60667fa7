"""`manage.py check` refuses a bid-based strand whose bid questions or award
are incomplete (the core checks the rest of a declaration: programmes.checks).
Here because only this layer knows what a bid's questions are."""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.db import models

from applications.forms import SectionForm
from programmes.checks import declaration_errors
from programmes.strands import StrandSpec
from savings.models import InvestmentSource


def bid_problems(spec: StrandSpec) -> list[tuple[str, str]]:
    problems = []
    if not spec.assessment_criteria:
        problems.append(("is bid-based but has no assessment_criteria", "E010"))
    if spec.investment_source not in InvestmentSource.values:
        problems.append(
            (
                f"investment_source {spec.investment_source!r} is not one of "
                f"{', '.join(InvestmentSource.values)}",
                "E011",
            )
        )
    model = spec.bid_detail_model
    if model is not None and not (isinstance(model, type) and issubclass(model, models.Model)):
        problems.append(("bid_detail_model is not a model class", "E012"))
    for form in spec.bid_detail_forms:
        if not (isinstance(form, type) and issubclass(form, SectionForm)):
            problems.append((f"bid_detail_forms: {form!r} is not a SectionForm", "E013"))
        elif not getattr(form, "slug", "") or not getattr(form, "title", ""):
            problems.append((f"bid_detail_forms: {form.__name__} has no slug or title", "E013"))
    return problems


@register(Tags.models)
def strand_bids_check(app_configs=None, **kwargs) -> list[Error]:
    return declaration_errors(lambda spec: bid_problems(spec) if spec.bid_based else [])
