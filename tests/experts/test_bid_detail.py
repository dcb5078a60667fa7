"""Productivity Experts bid details, and replaying an approved 2013 appointment
through the services without a request (as programmes/experts/demo.py will)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from applications import services
from applications.models import Application, ApplicationState
from programmes.permissions import SYSTEM
from savings.models import Investment
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def test_projected_savings_are_rows_per_financial_year(experts_call, council_a, applicant_a):
    from tests.applications.bids import projections

    application = services.application_create(
        call=experts_call, council=council_a, actor=applicant_a
    )
    answers = {"savings_target": Decimal("1000000"), **projections(experts_call, Decimal("5"))}
    services.application_section_save(
        application=application,
        actor=applicant_a,
        section="savings",
        answers=answers,
        version=application.version,
    )
    detail = Application.objects.get(pk=application.pk).experts_detail
    assert list(detail.projections.values_list("amount", flat=True)) == [Decimal("5.00")]
    assert detail.savings_target == Decimal("1000000")


def test_an_approved_2013_appointment_can_be_replayed_without_a_request(council_a, council_b):
    call = CallFactory(
        title="Productivity Experts 2013/14",
        opens_at=datetime(2013, 4, 1, 9, tzinfo=LONDON),
        closes_at=datetime(2014, 3, 31, 17, tzinfo=LONDON),
        max_amount=Decimal("20000"),
    )
    when = datetime(2013, 5, 1, 10, tzinfo=LONDON)
    application = services.application_create(call=call, council=council_a, actor=SYSTEM, at=when)
    for section, answers in {
        "about": {"title": "Contracts negotiator", "summary": "Renegotiate four contracts"},
        "councils": {"partner_councils": [council_b]},
        "funding": {"amount_requested": Decimal("8000")},
        "expertise": {"expertise_field": "Negotiation", "expert_role": "Renegotiate"},
        "savings": {"savings_target": Decimal("1000000"), "savings_2013_14": Decimal("2300000")},
    }.items():
        services.application_section_save(
            application=application, actor=SYSTEM, section=section, answers=answers, version=None
        )
    services.application_submit(application=application, actor=SYSTEM, at=when, notify=False)
    services.application_assessment_start(application=application, actor=SYSTEM, at=when)
    services.assessment_save(
        application=application, actor=SYSTEM, scores={"savings_potential": 5}, at=when
    )
    application = services.application_approve(
        application=application, actor=SYSTEM, award_amount=Decimal("8000"), at=when, notify=False
    )
    assert application.state == ApplicationState.APPROVED
    assert application.reference == "PE-2013-0001"
    assert list(application.partner_councils.all()) == [council_b]
    investment = Investment.objects.get(application=application)
    assert (investment.financial_year, investment.amount) == ("2013/14", Decimal("8000"))
