"""Bids in a given state, made through the services as a council and an officer would."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from applications import services
from applications.models import Application, Call
from programmes.permissions import SYSTEM, is_system
from savings.years import financial_year_of, next_financial_year

ANSWERS = {
    "experts": {
        "about": {"title": "Renegotiating our four largest contracts", "summary": "A negotiator."},
        "funding": {"amount_requested": Decimal("8000")},
        "expertise": {"expertise_field": "Contract negotiation", "expert_role": "Renegotiate."},
        "savings": {
            "savings_target": Decimal("1000000"),
        },
    },
    "growth": {
        "about": {"title": "A growth strategy for the coast", "summary": "Adviser support."},
        "funding": {"days_requested": 10},
        "project": {"project": "Bring local partners together on a coastal growth plan."},
        "support-areas": {"support_strategy": True, "support_inward_investment": True},
        "local-partners": {"sub_region": "West Cumbria", "lep": "Cumbria LEP", "lep_deal": ""},
    },
    "ope": {
        "about": {"title": "Sharing the civic estate", "summary": "Co-locating services."},
        "funding": {"amount_requested": Decimal("20000")},
        "partner-bodies": {"partner_bodies": "Fire and rescue; NHS trust"},
        "assets": {"assets": "Town hall; fire station"},
        "plan": {"outline_plan": "Survey, plan, consult, move."},
    },
}


def projections(call: Call, *amounts: Decimal) -> dict:
    """Projected savings answers for the call's first financial years."""
    first = financial_year_of(timezone.localdate(call.opens_at))
    return {
        "savings_" + next_financial_year(first, step).replace("/", "_"): amount
        for step, amount in enumerate(amounts)
    }


def bid_completed(call: Call, council, actor) -> Application:
    application = services.application_create(call=call, council=council, actor=actor)
    for section, answers in ANSWERS[call.strand.key].items():
        if section == "savings":
            answers = {**answers, **projections(call, Decimal("1200000"), Decimal("1100000"))}
        application = services.application_section_save(
            application=application,
            actor=actor,
            section=section,
            answers=answers,
            version=application.version,
        )
    return application


def bid_submitted(call: Call, council, actor) -> Application:
    application = bid_completed(call, council, actor)
    return services.application_submit(application=application, actor=actor)


def bid_in_assessment(call: Call, council, actor, officer) -> Application:
    """Sent and being assessed, with `officer` as its lead (so they may take
    its lead's steps; deciding needs "decides awards", applications.workflow)."""
    application = bid_submitted(call, council, actor)
    if not is_system(officer):
        application = services.assessors_assign(
            application=application, actor=SYSTEM, assessors=[], lead_officer=officer
        )
    return services.application_assessment_start(application=application, actor=officer)


def bid_more_information(call: Call, council, actor, officer) -> Application:
    application = bid_in_assessment(call, council, actor, officer)
    return services.application_information_request(
        application=application, actor=officer, message="Which contracts?"
    )
