"""`load_demo` adds the 2013 rounds as history and present-day rounds to try the
journey on, with bids in every state, idempotently."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from applications.demo import experts_call_title, growth_call_title
from applications.models import Application, ApplicationEvent, ApplicationState, Call, Score
from programmes.models import User

TABLES = (Call, Application, ApplicationEvent, Score)


@pytest.fixture
def demo(demo, settings):
    settings.DEBUG = True  # for the tests that load it again


def test_the_open_rounds_are_this_years_with_support_still_to_come(demo):
    year = timezone.localdate().year
    growth = Call.objects.get(title=growth_call_title(year))
    experts = Call.objects.get(title=experts_call_title(year))
    assert growth.is_open(timezone.now()) and experts.is_open(timezone.now())
    assert growth.max_days == 14
    assert growth.support_from > growth.assessment_due > timezone.localdate()
    assert (growth.support_until - growth.support_from).days in range(180, 185)
    in_progress = Application.objects.filter(call__in=[growth, experts])
    assert in_progress.exists()
    assert all(bid.reference.split("-")[1] == str(year) for bid in in_progress)


def test_every_open_round_is_this_years_and_every_2013_round_is_closed(demo):
    now = timezone.now()
    for call in Call.objects.all():
        opened = timezone.localtime(call.opens_at).year
        assert call.is_open(now) == (opened == now.year), call.title
        assert str(opened) in call.title or "2013" in call.title, call.title


def test_no_bid_in_progress_belongs_to_a_closed_round_or_an_abolished_council(demo):
    open_states = ["draft", "submitted", "in_assessment", "more_information"]
    for bid in Application.objects.filter(state__in=open_states).select_related(
        "call", "lead_council"
    ):
        assert bid.call.is_open(timezone.now()), bid.reference
        assert not bid.lead_council.is_abolished, bid.reference


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
    assert "A customer contact expert for our front office" in page
    assert "Inward investment for the M1 corridor" not in page


def test_the_closed_2013_rounds_are_replayed_at_2013_dates(demo):
    declined = Application.objects.get(state="declined")
    assert declined.submitted_at.year == 2013
    assert declined.reference.startswith("PE-2013-")


def test_a_second_run_changes_no_rows(demo):
    before = {model.__name__: sorted(model.objects.values_list()) for model in TABLES}
    call_command("load_demo")
    after = {model.__name__: sorted(model.objects.values_list()) for model in TABLES}
    assert after == before


def test_the_demo_has_assessors_a_disagreement_to_moderate_and_a_declared_conflict(demo):
    from applications.demo import ASSESSORS, EXPERTS_CALL
    from applications.models import Review
    from applications.selectors import assessment_view, awaiting_moderation

    call = Call.objects.get(title=EXPERTS_CALL)
    assert sorted(call.default_assessors.values_list("username", flat=True)) == list(ASSESSORS)
    # Every bid the lead has scored was scored first by two assessors.
    for bid in Application.objects.filter(scores__isnull=False).distinct():
        assert bid.reviews.filter(submitted_at__isnull=False).count() == 2, bid.reference
    officer = User.objects.get(username="demo-officer")
    waiting = Application.objects.filter(awaiting_moderation(officer))
    assert waiting.count() == 1
    assert assessment_view(application=waiting.get(), user=officer).disagreement
    assert Review.objects.filter(conflict="conflict").count() == 1
    assert not User.objects.filter(username__in=ASSESSORS, email__endswith=".gov.uk").exists()


def test_a_partner_bid_waits_for_wyre_forest_after_gloucestershire_confirmed(demo, client):
    from applications.demo import PARTNER_BID

    bid = Application.objects.get(title=PARTNER_BID[2])
    assert bid.state == ApplicationState.DRAFT
    answers = dict(bid.partner_confirmations.values_list("council__short_name", "status"))
    assert answers == {"Gloucestershire": "confirmed", "Wyre Forest": "pending"}
    # Wyre Forest's council lead answers it from their own bid list.
    client.force_login(User.objects.get(username="demo-wyreforest"))
    home = client.get("/bids/").content.decode()
    assert "Bids naming your council as a partner" in home
    assert bid.reference in home
    page = client.get(f"/bids/{bid.reference}/partner/").content.decode()
    assert "Send your answer" in page
    assert client.get(f"/bids/{bid.reference}/").status_code == 404


def test_every_sent_bids_partners_have_answered(demo):
    from applications.models import PartnerConfirmation

    waiting = PartnerConfirmation.objects.filter(status="pending").exclude(
        application__state=ApplicationState.DRAFT
    )
    assert not waiting.exists()


def test_cumberland_reads_allerdales_history_and_allerdale_nothing_of_cumberlands(demo, client):
    from savings.models import Investment

    allerdale_bids = Application.objects.filter(lead_council__short_name="Allerdale")
    assert allerdale_bids.exists()
    client.force_login(User.objects.get(username="demo-cumberland"))
    home = client.get("/bids/").content.decode()
    assert "Bids of the councils Cumberland Council replaced" in home
    for bid in allerdale_bids:
        assert bid.reference in home
        assert client.get(f"/bids/{bid.reference}/").status_code == 200
        assert client.get(f"/bids/{bid.reference}/withdraw/").status_code == 404
    award = Investment.objects.filter(application__in=allerdale_bids).first()
    assert client.get(f"/savings/awards/{award.pk}/").status_code == 200
    assert client.get(f"/savings/awards/{award.pk}/report/").status_code == 404
