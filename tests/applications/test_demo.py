"""`load_demo` adds the 2013 calls and bids in every state, idempotently."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from applications.demo import GROWTH_CALL
from applications.models import Application, ApplicationEvent, ApplicationState, Call, Score
from programmes.models import User

TABLES = (Call, Application, ApplicationEvent, Score)


@pytest.fixture
def demo(settings, db):
    settings.DEBUG = True
    call_command("load_demo")


def test_the_growth_advisers_call_is_open_now_with_the_papers_limits(demo):
    call = Call.objects.get(title=GROWTH_CALL)
    assert call.is_open(timezone.now())
    assert call.max_days == 14
    assert (call.support_from.isoformat(), call.support_until.isoformat()) == (
        "2013-09-01",
        "2014-02-28",
    )


def test_the_demo_shows_a_bid_in_every_state(demo):
    states = set(Application.objects.values_list("state", flat=True))
    assert states == set(ApplicationState.values)


def test_the_seven_experts_appointments_are_approved(demo):
    approved = Application.objects.filter(state=ApplicationState.APPROVED)
    assert approved.filter(call__strand__key="experts").count() == 7


def test_demo_applicants_see_their_own_councils_bids(demo, client):
    client.force_login(User.objects.get(username="demo-wyreforest"))
    page = client.get("/bids/").content.decode()
    assert "Kidderminster town centre regeneration" in page
    assert "We need more information" in page
    assert "West Cumbria coastal growth plan" not in page


def test_the_closed_2013_rounds_are_replayed_at_2013_dates(demo):
    declined = Application.objects.get(state="declined")
    assert declined.submitted_at.year == 2013
    assert declined.reference.startswith("PE-2013-")


def test_a_second_run_changes_no_rows(demo):
    before = {model.__name__: sorted(model.objects.values_list()) for model in TABLES}
    call_command("load_demo")
    after = {model.__name__: sorted(model.objects.values_list()) for model in TABLES}
    assert after == before
