"""Every transition of a bid, and the ones that must be refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from applications import services
from applications.models import ApplicationEvent, ApplicationState, Score
from savings.models import Investment
from tests.applications.bids import (
    bid_completed,
    bid_in_assessment,
    bid_more_information,
    bid_submitted,
)
from tests.factories import CallFactory

State = ApplicationState
pytestmark = pytest.mark.django_db


def test_a_new_bid_gets_a_reference_that_can_be_read_out(
    experts_call, council_a, applicant_a, council_b, applicant_b
):
    first = services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    second = services.application_create(call=experts_call, council=council_b, actor=applicant_b)
    year = timezone.localtime(experts_call.opens_at).year
    assert first.reference == f"PE-{year}-0001"
    assert second.reference == f"PE-{year}-0002"
    assert first.state == State.DRAFT
    assert first.experts_detail is not None


def test_growth_bids_have_their_own_prefix(growth_call, council_a, applicant_a):
    application = services.application_create(
        call=growth_call, council=council_a, actor=applicant_a
    )
    assert application.reference.startswith("EGA-")
    assert application.growth_detail is not None


def test_a_bid_cannot_be_started_on_a_closed_call(council_a, applicant_a):
    closed = CallFactory(
        opens_at=timezone.now() - timedelta(days=60), closes_at=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="closed at"):
        services.application_create(call=closed, council=council_a, actor=applicant_a)


def test_an_applicant_cannot_start_a_bid_for_another_council(experts_call, council_b, applicant_a):
    with pytest.raises(PermissionDenied):
        services.application_create(call=experts_call, council=council_b, actor=applicant_a)


def test_an_officer_cannot_start_a_councils_bid(experts_call, council_a, officer):
    with pytest.raises(PermissionDenied):
        services.application_create(call=experts_call, council=council_a, actor=officer)


def test_submitting_records_an_event_and_emails_council_and_officers(
    experts_call, council_a, applicant_a, officer, django_capture_on_commit_callbacks
):
    application = bid_completed(experts_call, council_a, applicant_a)
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_submit(application=application, actor=applicant_a)
    assert application.state == State.SUBMITTED
    assert application.submitted_at is not None
    event = application.events.last()
    assert (event.from_state, event.to_state, event.actor) == ("draft", "submitted", applicant_a)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["applicant-a@example.org", "officer@example.org"]
    assert application.reference in mail.outbox[0].subject


def test_no_email_is_sent_when_the_transition_rolls_back(
    experts_call, council_a, applicant_a, django_capture_on_commit_callbacks
):
    application = services.application_create(
        call=experts_call, council=council_a, actor=applicant_a
    )
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.application_submit(application=application, actor=applicant_a)
    assert mail.outbox == []


def test_an_incomplete_bid_cannot_be_submitted(experts_call, council_a, applicant_a):
    application = services.application_create(
        call=experts_call, council=council_a, actor=applicant_a
    )
    with pytest.raises(ValidationError, match="Complete every section"):
        services.application_submit(application=application, actor=applicant_a)
    application.refresh_from_db()
    assert application.state == State.DRAFT


def test_a_bid_cannot_be_submitted_after_the_call_closes(experts_call, council_a, applicant_a):
    application = bid_completed(experts_call, council_a, applicant_a)
    later = experts_call.closes_at + timedelta(minutes=1)
    with pytest.raises(ValidationError, match="closed at"):
        services.application_submit(application=application, actor=applicant_a, at=later)


def test_another_councils_applicant_cannot_submit(
    experts_call, council_a, applicant_a, applicant_b
):
    application = bid_completed(experts_call, council_a, applicant_a)
    with pytest.raises(PermissionDenied):
        services.application_submit(application=application, actor=applicant_b)


def test_a_stale_edit_is_refused_and_saves_nothing(experts_call, council_a, applicant_a):
    application = services.application_create(
        call=experts_call, council=council_a, actor=applicant_a
    )
    opened_at = application.version
    services.application_section_save(
        application=application,
        actor=applicant_a,
        section="about",
        answers={"title": "First person's title", "summary": ""},
        version=opened_at,
    )
    with pytest.raises(services.StaleEditError):
        services.application_section_save(
            application=application,
            actor=applicant_a,
            section="about",
            answers={"title": "Second person's title", "summary": ""},
            version=opened_at,
        )
    application.refresh_from_db()
    assert application.title == "First person's title"


def test_the_officer_starts_assessment_and_the_council_is_told(
    experts_call, council_a, applicant_a, officer, django_capture_on_commit_callbacks
):
    application = bid_submitted(experts_call, council_a, applicant_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_assessment_start(application=application, actor=officer)
    assert application.state == State.IN_ASSESSMENT
    assert [m.to for m in mail.outbox] == [["applicant-a@example.org"]]


@pytest.mark.parametrize("who", ["applicant_a", "board_member"])
def test_only_officers_start_assessment(who, request, experts_call, council_a, applicant_a):
    application = bid_submitted(experts_call, council_a, applicant_a)
    with pytest.raises(PermissionDenied):
        services.application_assessment_start(
            application=application, actor=request.getfixturevalue(who)
        )


def test_more_information_round_trip(experts_call, council_a, applicant_a, officer):
    application = bid_more_information(experts_call, council_a, applicant_a, officer)
    assert application.state == State.MORE_INFORMATION
    assert application.events.last().note == "Which contracts?"
    application = services.application_information_provide(
        application=application, actor=applicant_a, note="The four largest."
    )
    assert application.state == State.IN_ASSESSMENT


def test_an_officer_cannot_answer_for_the_council(experts_call, council_a, applicant_a, officer):
    application = bid_more_information(experts_call, council_a, applicant_a, officer)
    with pytest.raises(PermissionDenied):
        services.application_information_provide(
            application=application, actor=officer, note="I'll answer"
        )


def test_approval_records_the_award_and_its_investment(
    experts_call, council_a, applicant_a, officer
):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    application = services.application_approve(
        application=application, actor=officer, award_amount=Decimal("7500")
    )
    assert application.state == State.APPROVED
    investment = Investment.objects.get(application=application)
    assert investment.amount == Decimal("7500.00")
    assert investment.source == "lga_grant"
    assert investment.council == council_a


def test_an_award_above_the_calls_limit_is_refused(experts_call, council_a, applicant_a, officer):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    with pytest.raises(ValidationError, match="the most this call awards"):
        services.application_approve(
            application=application, actor=officer, award_amount=Decimal("10000.01")
        )
    application.refresh_from_db()
    assert application.state == State.IN_ASSESSMENT
    assert not Investment.objects.exists()


def test_growth_awards_are_days_valued_at_the_day_rate(
    growth_call, council_a, applicant_a, officer
):
    application = bid_in_assessment(growth_call, council_a, applicant_a, officer)
    with pytest.raises(ValidationError, match="1 to 14 adviser days"):
        services.application_approve(application=application, actor=officer, award_days=15)
    application = services.application_approve(
        application=application, actor=officer, award_days=12
    )
    assert application.award_days == 12
    investment = Investment.objects.get(application=application)
    assert investment.amount == Decimal("6000.00")  # 12 days at £500
    assert investment.source == "adviser_days"


def test_a_draft_cannot_be_approved(experts_call, council_a, applicant_a, officer):
    application = bid_completed(experts_call, council_a, applicant_a)
    with pytest.raises(ValidationError, match="it is draft"):
        services.application_approve(
            application=application, actor=officer, award_amount=Decimal("100")
        )


def test_a_board_member_cannot_approve(experts_call, council_a, applicant_a, officer, board_member):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    with pytest.raises(PermissionDenied):
        services.application_approve(
            application=application, actor=board_member, award_amount=Decimal("100")
        )


def test_approving_twice_is_refused(experts_call, council_a, applicant_a, officer):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    services.application_approve(application=application, actor=officer, award_amount=Decimal("1"))
    with pytest.raises(ValidationError, match="it is approved"):
        services.application_approve(
            application=application, actor=officer, award_amount=Decimal("1")
        )
    assert Investment.objects.count() == 1


def test_declining_needs_reasons_and_tells_the_council(
    experts_call, council_a, applicant_a, officer
):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    with pytest.raises(ValidationError, match="reasons"):
        services.application_decline(application=application, actor=officer, reasons=" ")
    application = services.application_decline(
        application=application, actor=officer, reasons="Savings not evidenced."
    )
    assert application.state == State.DECLINED
    assert application.events.last().note == "Savings not evidenced."


@pytest.mark.parametrize("stage", ["draft", "submitted", "in_assessment", "more_information"])
def test_the_council_can_withdraw_from_any_open_state(
    stage, experts_call, council_a, applicant_a, officer
):
    makers = {
        "draft": lambda: bid_completed(experts_call, council_a, applicant_a),
        "submitted": lambda: bid_submitted(experts_call, council_a, applicant_a),
        "in_assessment": lambda: bid_in_assessment(experts_call, council_a, applicant_a, officer),
        "more_information": lambda: bid_more_information(
            experts_call, council_a, applicant_a, officer
        ),
    }
    application = makers[stage]()
    application = services.application_withdraw(application=application, actor=applicant_a)
    assert application.state == State.WITHDRAWN
    assert application.events.last().from_state == stage


def test_a_decided_bid_cannot_be_withdrawn(experts_call, council_a, applicant_a, officer):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    services.application_decline(application=application, actor=officer, reasons="No.")
    with pytest.raises(ValidationError, match="cannot withdraw"):
        services.application_withdraw(application=application, actor=applicant_a)


def test_not_applicable_is_left_out_of_the_mean(experts_call, council_a, applicant_a, officer):
    from applications.models import Application

    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    services.assessment_save(
        application=application,
        actor=officer,
        scores={"savings_potential": 5, "deliverability": 4, "value_for_money": None},
        recommendation="fund",
        notes="Strong.",
    )
    stored = Application.objects.get(pk=application.pk)
    assert stored.mean_score == Decimal("4.5")  # not (5 + 4 + 0) / 3
    assert Score.objects.filter(application=application, score__isnull=True).count() == 1
    internal = ApplicationEvent.objects.get(
        application=application, description="Assessment updated"
    )
    assert not internal.visible_to_applicant


def test_scores_outside_1_to_5_and_unknown_criteria_are_refused(
    experts_call, council_a, applicant_a, officer
):
    application = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    with pytest.raises(ValidationError, match="from 1 to 5"):
        services.assessment_save(
            application=application, actor=officer, scores={"deliverability": 6}
        )
    with pytest.raises(ValidationError, match="Unknown criteria"):
        services.assessment_save(application=application, actor=officer, scores={"charm": 3})


def test_a_constraint_names_every_field_it_reads():
    """A save checks the constraints that read a field it changed, with every
    field they read (applications.services._clean_changed, issue 26)."""
    from django.db import models
    from django.db.models.functions import Lower

    from applications.models import Application, Call
    from applications.services import _constraint_fields

    by_name = {constraint.name: constraint for constraint in Call._meta.constraints}
    assert _constraint_fields(by_name["call_closes_after_it_opens"]) == {"closes_at", "opens_at"}
    by_name = {constraint.name: constraint for constraint in Application._meta.constraints}
    assert _constraint_fields(by_name["one_draft_per_council_per_call"]) == {
        "call",
        "lead_council",
        "state",
    }
    assert _constraint_fields(by_name["approved_application_has_award"]) == {
        "state",
        "award_amount",
        "award_days",
    }
    by_expression = models.CheckConstraint(
        condition=models.Q(award_amount__lte=models.F("amount_requested") * 2), name="x"
    )
    assert _constraint_fields(by_expression) == {"award_amount", "amount_requested"}
    lowered = models.UniqueConstraint(Lower("title"), name="y")
    assert _constraint_fields(lowered) == {"title"}
