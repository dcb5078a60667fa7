"""Budgets per strand, year and funder; what awards commit against them; the
scheme of delegation for going over budget; awards reduced and withdrawn."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications.models import ApplicationState
from programmes.payments import services
from programmes.payments.models import Budget, BudgetChange, ClaimState, Funder
from programmes.permissions import SYSTEM
from tests.payments.money import award, budget, claim, commitment_of, grant, this_year

pytestmark = pytest.mark.django_db


def test_a_budget_change_keeps_its_reason_and_the_amount_before(experts_call, officer):
    budget(experts_call, "46000")
    services.budget_set(
        strand=experts_call.strand,
        financial_year=this_year(),
        funder=Funder.LGA_BUSINESS_PLAN,
        amount=Decimal("50000"),
        reason="Two more appointments agreed by the board",
        actor=officer,
    )
    assert Budget.objects.get().amount == Decimal("50000")
    latest = BudgetChange.objects.first()
    assert (latest.amount_before, latest.amount_after) == (Decimal("46000"), Decimal("50000"))
    assert latest.reason == "Two more appointments agreed by the board"
    assert latest.changed_by == officer


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("-1", "A reason", "Enter the budget in pounds and pence, £0 or more"),
        ("100.005", "A reason", "Enter the budget in pounds and pence, £0 or more"),
        ("100", "  ", "Give the reason for setting or changing the budget"),
    ],
)
def test_it_refuses_a_budget_without_a_proper_amount_or_reason(
    experts_call, officer, amount, reason, message
):
    with pytest.raises(ValidationError) as refused:
        services.budget_set(
            strand=experts_call.strand,
            financial_year=this_year(),
            funder=Funder.LGA_BUSINESS_PLAN,
            amount=Decimal(amount),
            reason=reason,
            actor=officer,
        )
    assert message in refused.value.messages
    assert not Budget.objects.exists()


def test_an_officer_sets_a_budget_in_the_admin_with_a_reason(officer_client, experts_call):
    response = officer_client.post(
        reverse("admin:payments_budget_add"),
        {
            "strand": experts_call.strand.pk,
            "financial_year": "2013/14",
            "funder": Funder.LGA_BUSINESS_PLAN,
            "amount": "46000",
            "change_reason": "The business plan for 2013/14",
            # The inline of changes (read-only: none are added here).
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    change = BudgetChange.objects.get()
    assert change.budget.amount == Decimal("46000")
    assert change.reason == "The business plan for 2013/14"


def test_an_award_commits_its_value_against_its_years_budget(
    experts_call, council_a, applicant_a, officer
):
    budget(experts_call, "46000")
    bid = award(experts_call, council_a, applicant_a, officer, "8000")
    commitment = commitment_of(bid)
    assert (commitment.amount, commitment.financial_year) == (Decimal("8000"), this_year())
    assert services.committed_total(experts_call.strand_id, this_year()) == Decimal("8000")


def test_adviser_days_commit_at_the_calls_day_rate(growth_call, council_a, applicant_a, officer):
    bid = award(growth_call, council_a, applicant_a, officer, "14")
    assert commitment_of(bid).amount == Decimal("7000")  # 14 days at £500


def test_an_award_that_would_go_over_budget_is_refused_and_nothing_is_recorded(
    experts_call, council_a, applicant_a, officer
):
    budget(experts_call, "10000")
    award(experts_call, council_a, applicant_a, officer, "8000")
    with pytest.raises(ValidationError) as refused:
        award(experts_call, council_a, applicant_a, officer, "5000")
    assert refused.value.code == "over_budget"
    assert "would take Productivity Experts over its" in refused.value.messages[0]
    assert "£2,000.00 remains" in refused.value.messages[0]
    assert services.committed_total(experts_call.strand_id, this_year()) == Decimal("8000")


def test_a_decider_who_does_not_hold_the_budget_cannot_go_over_it_even_with_a_reason(
    experts_call, council_a, applicant_a, officer
):
    budget(experts_call, "1000")
    with pytest.raises(ValidationError) as refused:
        award(experts_call, council_a, applicant_a, officer, "5000", over_budget_reason="Urgent")
    assert refused.value.code == "over_budget_not_allowed"
    assert "only a decider who holds the budget" in refused.value.messages[0]


def test_a_budget_holder_approves_over_budget_with_a_reason_that_is_kept(
    experts_call, council_a, applicant_a, officer
):
    holder = grant(officer, "commit_over_budget")
    budget(experts_call, "1000")
    bid = award(
        experts_call,
        council_a,
        applicant_a,
        holder,
        "5000",
        over_budget_reason="The board agreed the overspend in July",
    )
    assert bid.state == ApplicationState.APPROVED
    assert commitment_of(bid).over_budget_reason == "The board agreed the overspend in July"


def test_the_approval_page_says_why_an_award_over_budget_is_refused(
    officer_client, experts_call, council_a, applicant_a, officer
):
    from tests.applications.bids import bid_in_assessment

    budget(experts_call, "1000")
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    response = officer_client.post(
        reverse("admin:applications_approve", args=[bid.pk]), {"award_amount": "5000"}
    )
    assert response.status_code == 200
    assert "would take Productivity Experts over its" in response.content.decode()
    bid.refresh_from_db()
    assert bid.state == ApplicationState.IN_ASSESSMENT


def test_a_reduced_award_releases_the_difference_but_never_below_what_was_claimed(
    experts_call, council_a, applicant_a, officer
):
    budget(experts_call, "46000")
    commitment = commitment_of(award(experts_call, council_a, applicant_a, officer, "8000"))
    claim(commitment, applicant_a, "3000")
    with pytest.raises(ValidationError) as refused:
        services.commitment_reduce(
            commitment=commitment, amount=Decimal("2000"), reason="Less work", actor=officer
        )
    assert "already claimed £3,000.00" in refused.value.messages[0]
    services.commitment_reduce(
        commitment=commitment, amount=Decimal("5000"), reason="Less work", actor=officer
    )
    assert services.committed_total(experts_call.strand_id, this_year()) == Decimal("5000")


def test_a_withdrawn_award_releases_what_was_not_approved_and_sends_back_waiting_claims(
    experts_call, council_a, applicant_a, officer
):
    commitment = commitment_of(award(experts_call, council_a, applicant_a, officer, "8000"))
    approved = claim(commitment, applicant_a, "3000", "INV-1")
    services.claim_approve(claim=approved, actor=officer)
    waiting = claim(commitment, applicant_a, "1000", "INV-2")
    services.commitment_withdraw(commitment=commitment, reason="The project stopped", actor=officer)
    commitment.refresh_from_db()
    waiting.refresh_from_db()
    assert commitment.amount == Decimal("3000")
    assert waiting.state == ClaimState.SENT_BACK
    assert waiting.sent_back_reason == "The award was withdrawn: The project stopped"


def test_no_budget_set_means_the_award_is_not_checked(
    experts_call, council_a, applicant_a, officer
):
    bid = award(experts_call, council_a, applicant_a, officer, "8000")
    assert commitment_of(bid).amount == Decimal("8000")


def test_the_portal_records_awards_over_budget_when_loading_history(experts_call, council_a):
    from applications import services as bids
    from tests.applications.bids import bid_in_assessment

    budget(experts_call, "1000")
    bid = bid_in_assessment(experts_call, council_a, SYSTEM, SYSTEM)
    bid = bids.application_approve(application=bid, actor=SYSTEM, award_amount=Decimal("5000"))
    assert commitment_of(bid).amount == Decimal("5000")
