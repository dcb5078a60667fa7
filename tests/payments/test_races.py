"""Two people at once, on two real database connections (PostgreSQL): two
officers approving one claim, two claims taking the last of an award, two
approvals taking a strand over its budget. Each time one wins and the other
is told why, and nothing is saved twice."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from applications import services as bids
from programmes.payments import services
from programmes.payments.models import Claim, ClaimState, Commitment
from programmes.roles import APPLICANT, OFFICER
from tests.applications.bids import bid_in_assessment
from tests.factories import CouncilFactory, UserFactory, decides_awards
from tests.payments.money import award, budget, claim, commitment_of, shared_award

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL only"
    ),
    pytest.mark.django_db(transaction=True),
]


def in_thread(target) -> tuple[threading.Thread, list]:
    """Run `target` on its own database connection; errors are kept, not lost."""
    errors: list = []

    def run() -> None:
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - the test asserts on it
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def first_holds_then_second(first, second) -> list:
    """`first` runs to just before its commit and holds; `second` starts and
    must wait on the row; then `first` commits. Returns `second`'s errors."""
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with transaction.atomic():
            first()
            holding.set()
            release.wait(timeout=10)

    held, first_errors = in_thread(hold)
    assert holding.wait(timeout=10)
    waiting, second_errors = in_thread(second)
    time.sleep(0.5)  # the second is now waiting on the first's row lock
    assert waiting.is_alive()
    release.set()
    held.join(timeout=10)
    waiting.join(timeout=10)
    assert first_errors == []
    return second_errors


@pytest.fixture
def commitment(experts_call, council_a, applicant_a, officer):
    return commitment_of(award(experts_call, council_a, applicant_a, officer, "8000"))


def test_two_officers_approving_the_same_claim_at_once_approve_it_once(
    commitment, applicant_a, officer
):
    made = claim(commitment, applicant_a, "4000")
    other = UserFactory(username="other-officer", is_staff=True, role=OFFICER)
    errors = first_holds_then_second(
        lambda: services.claim_approve(claim=made, actor=officer),
        lambda: services.claim_approve(claim=made, actor=other),
    )
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert errors[0].code == "already_approved"
    made.refresh_from_db()
    assert (made.state, made.approved_by, made.second_by) == (ClaimState.APPROVED, officer, None)


def test_two_claims_using_the_last_of_an_award_at_once_take_it_once(commitment, applicant_a):
    claim(commitment, applicant_a, "7000", "INV-1")
    errors = first_holds_then_second(
        lambda: claim(commitment, applicant_a, "1000", "INV-2"),
        lambda: claim(commitment, applicant_a, "1000", "INV-3"),
    )
    assert len(errors) == 1
    assert errors[0].message_dict == {"amount": ["Nothing remains to claim on this award"]}
    assert Claim.objects.count() == 2


def test_two_councils_claiming_the_last_of_a_shared_award_at_once_take_it_once(
    experts_call, council_a, applicant_a, council_b, applicant_b, officer
):
    """The lead and a partner, each within its share, together beyond what
    remains of the award (reduced to £4,000): the award's lock serves them
    one after the other, and the second is told what remains."""
    commitment = shared_award(experts_call, council_a, [council_b], ["4000", "4000"])
    services.commitment_reduce(
        commitment=commitment, amount=Decimal("4000"), reason="Less work", actor=officer
    )
    errors = first_holds_then_second(
        lambda: claim(commitment, applicant_a, "3000", "LEAD-1"),
        lambda: claim(commitment, applicant_b, "3000", "PARTNER-1"),
    )
    assert len(errors) == 1
    assert errors[0].message_dict == {
        "amount": ["Claim £1,000.00 or less: that is what remains of the award"]
    }
    assert list(Claim.objects.values_list("council", "amount")) == [
        (council_a.pk, Decimal("3000.00"))
    ]


def test_two_claims_of_the_same_invoice_at_once_save_it_once(commitment, applicant_a):
    errors = first_holds_then_second(
        lambda: claim(commitment, applicant_a, "1000", "INV-9"),
        lambda: claim(commitment, applicant_a, "1000", "INV-9"),
    )
    assert errors[0].message_dict == {
        "invoice_reference": ["You have already claimed invoice INV-9 on this award"]
    }
    assert Claim.objects.count() == 1


def test_two_approvals_at_once_never_take_the_strand_over_its_budget(
    experts_call, applicant_a, council_a
):
    budget(experts_call, "10000")
    deciders = [
        decides_awards(UserFactory(username=f"decider-{n}", is_staff=True, role=OFFICER))
        for n in range(2)
    ]
    other = CouncilFactory(gss_code="E07000030")
    applicant = UserFactory(username="applicant-other", council=other, role=APPLICANT)
    first_bid = bid_in_assessment(experts_call, council_a, applicant_a, deciders[0])
    second_bid = bid_in_assessment(experts_call, other, applicant, deciders[1])
    errors = first_holds_then_second(
        lambda: bids.application_approve(
            application=first_bid, actor=deciders[0], award_amount=Decimal("6000")
        ),
        lambda: bids.application_approve(
            application=second_bid, actor=deciders[1], award_amount=Decimal("6000")
        ),
    )
    assert errors[0].code == "over_budget"
    assert Commitment.objects.count() == 1
