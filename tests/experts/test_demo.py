"""The Productivity Experts figures of the 2013 board paper (para 8), from the demo data
through the bid services and the rollups: never typed in."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from applications.models import Application, ApplicationState
from programmes.models import Council, Strand
from savings import rollups
from savings.selectors import rollup_for


@pytest.fixture
def experts(demo, settings):
    settings.DEBUG = True  # for the test that loads it again
    return Strand.objects.get(key="experts")


def approved_appointments():
    return Application.objects.filter(
        call__strand__key="experts", state=ApplicationState.APPROVED
    ).prefetch_related("partner_councils")


def test_seven_appointments_cover_ten_councils(experts):
    appointments = list(approved_appointments())
    councils = {a.lead_council_id for a in appointments} | {
        c.pk for a in appointments for c in a.partner_councils.all()
    }
    assert len(appointments) == 7
    assert len(councils) == 10


def test_46000_invested_for_25615000_projected_about_557_to_1(experts):
    figures = rollup_for(strand=experts)
    assert figures.investment == Decimal("46000")
    assert figures.projected == Decimal("25615000")
    assert figures.projected_roi == Decimal("556.85")


def test_allerdale_realised_2_3m_against_a_1m_target(experts):
    allerdale = rollup_for(strand=experts, council=Council.objects.get(short_name="Allerdale"))
    assert allerdale.realised == Decimal("2300000")
    assert allerdale.target == Decimal("1000000")


def test_a_second_load_adds_no_appointments(experts):
    call_command("load_demo")
    rollups.drain()
    assert approved_appointments().count() == 7
    assert rollup_for(strand=experts).investment == Decimal("46000")


def test_each_appointment_has_its_record_serving_ten_councils(experts):
    from programmes.experts.models import Appointment

    appointments = Appointment.objects.prefetch_related("councils")
    assert len(appointments) == 7
    assert len({c.pk for a in appointments for c in a.councils.all()}) == 10
    assert sum(a.award for a in appointments) == Decimal("46000")


def test_the_papers_three_case_studies_are_published(experts, client):
    from programmes.experts.models import CaseStudy

    studies = CaseStudy.objects.select_related("council", "published_by")
    assert {s.council.short_name for s in studies} == {
        "Allerdale",
        "Wyre Forest",
        "Gloucestershire",
    }
    assert all(s.is_published and s.published_by.username == "demo-officer" for s in studies)
    page = client.get("/productivity-and-commissioning/").content.decode()
    assert "£2.3 million" in page and "£10.3 million" in page
    assert "Commissioning Academy" in page and "Keep it REAL" in page


def test_leeds_reports_its_own_saving_on_sheffields_shared_award(experts, client):
    from django.urls import reverse

    from programmes.models import User
    from programmes.returns.models import ReturnState, SavingsReturn

    sent = SavingsReturn.objects.get(
        application__lead_council__short_name="Sheffield",
        council__short_name="Leeds",
        state=ReturnState.SUBMITTED,
    )
    assert sent.lines.get().council.short_name == "Leeds"
    rollups.drain()
    leeds = Council.objects.get(short_name="Leeds")
    assert rollup_for(strand=experts, council=leeds).realised_unverified == Decimal("42000")
    # The demo's Leeds user reads it as its own; Sheffield's users read it too.
    client.force_login(User.objects.get(username="demo-leeds"))
    page = client.get(reverse("savings:return_detail", args=[sent.pk])).content.decode()
    assert "£42,000" in page
