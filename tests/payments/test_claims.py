"""A council claims what it spent; officers approve (a second officer above
the call's limit) or send back; LGA finance records the payment. Each bad
input is refused with its own message, and nothing is saved twice."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from programmes.payments import services
from programmes.payments.models import CallClaimRule, Claim, ClaimState
from programmes.roles import OFFICER
from tests.factories import UserFactory
from tests.payments.money import award, claim, commitment_of, evidence, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment(experts_call, council_a, applicant_a, officer):
    return commitment_of(award(experts_call, council_a, applicant_a, officer, "8000"))


@pytest.fixture
def finance(db):
    return grant(UserFactory(username="finance", is_staff=True, role=OFFICER), "record_payments")


def refusal(**kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        claim(**kwargs)
    return refused.value


def test_a_claim_over_what_remains_is_refused_with_what_remains(commitment, applicant_a):
    claim(commitment, applicant_a, "6000", "INV-1")
    error = refusal(commitment=commitment, applicant=applicant_a, amount="2000.01", invoice="INV-2")
    assert error.message_dict == {
        "amount": ["Claim £2,000.00 or less: that is what remains of the award"]
    }
    assert Claim.objects.count() == 1


def test_a_duplicate_invoice_reference_on_the_same_award_is_refused(commitment, applicant_a):
    claim(commitment, applicant_a, "1000", "INV-7")
    error = refusal(commitment=commitment, applicant=applicant_a, amount="500", invoice=" inv-7 ")
    assert error.message_dict == {
        "invoice_reference": ["You have already claimed invoice inv-7 on this award"]
    }


def test_an_invoice_sent_back_may_be_claimed_again(commitment, applicant_a, officer):
    first = claim(commitment, applicant_a, "1000", "INV-7")
    services.claim_send_back(claim=first, actor=officer, reason="The invoice is not dated")
    again = claim(commitment, applicant_a, "1000", "INV-7")
    assert again.state == ClaimState.SUBMITTED


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-50", "Enter the amount you are claiming greater than £0"),
        ("0", "Enter the amount you are claiming greater than £0"),
        ("10.005", "Enter the amount you are claiming in pounds and pence, to the nearest penny"),
    ],
)
def test_a_negative_or_fractional_penny_amount_is_refused(commitment, applicant_a, amount, message):
    error = refusal(commitment=commitment, applicant=applicant_a, amount=amount)
    assert error.message_dict["amount"] == [message]
    assert not Claim.objects.exists()


def test_a_claim_on_a_withdrawn_award_is_refused(commitment, applicant_a, officer):
    services.commitment_withdraw(commitment=commitment, reason="Stopped", actor=officer)
    error = refusal(commitment=commitment, applicant=applicant_a)
    assert error.code == "withdrawn"
    assert error.messages[0].startswith("You cannot claim on this award: it was withdrawn on")


def test_another_councils_user_cannot_claim_on_the_award(commitment, applicant_b):
    with pytest.raises(PermissionDenied):
        claim(commitment, applicant_b)


def test_a_claim_is_approved_then_paid_by_finance(commitment, applicant_a, officer, finance):
    made = claim(commitment, applicant_a, "4000")
    assert services.claim_approve(claim=made, actor=officer).state == ClaimState.APPROVED
    paid = services.claim_pay(
        claim=made, actor=finance, paid_on=timezone.localdate(), reference="BACS-0001"
    )
    assert (paid.state, paid.payment_reference, paid.payment_recorded_by) == (
        ClaimState.PAID,
        "BACS-0001",
        finance,
    )


def test_an_officer_without_the_finance_role_cannot_record_a_payment(
    commitment, applicant_a, officer
):
    made = services.claim_approve(claim=claim(commitment, applicant_a), actor=officer)
    with pytest.raises(PermissionDenied, match="Only LGA finance can record payments"):
        services.claim_pay(claim=made, actor=officer, paid_on=timezone.localdate(), reference="X")


def test_a_payment_needs_a_date_not_in_the_future_and_a_reference(
    commitment, applicant_a, officer, finance
):
    made = services.claim_approve(claim=claim(commitment, applicant_a), actor=officer)
    with pytest.raises(ValidationError) as refused:
        services.claim_pay(
            claim=made,
            actor=finance,
            paid_on=timezone.localdate() + timedelta(days=1),
            reference=" ",
        )
    assert refused.value.message_dict == {
        "paid_on": ["The payment date must be today or in the past"],
        "reference": ["Enter the payment reference"],
    }


def test_a_claim_not_approved_cannot_be_paid(commitment, applicant_a, finance):
    made = claim(commitment, applicant_a)
    with pytest.raises(ValidationError, match="waiting for an officer's check"):
        services.claim_pay(claim=made, actor=finance, paid_on=timezone.localdate(), reference="X")


def test_above_the_calls_limit_a_second_officer_must_approve(
    commitment, applicant_a, officer, experts_call
):
    CallClaimRule.objects.create(call=experts_call, second_approval_above=Decimal("2500"))
    made = claim(commitment, applicant_a, "4000")
    assert services.claim_approve(claim=made, actor=officer).state == ClaimState.FIRST_APPROVED
    with pytest.raises(PermissionDenied, match="a second officer must approve it"):
        services.claim_approve(claim=made, actor=officer)
    second = UserFactory(username="second", is_staff=True, role=OFFICER)
    approved = services.claim_approve(claim=made, actor=second)
    assert (approved.state, approved.second_by) == (ClaimState.APPROVED, second)


def test_a_claim_already_approved_is_not_approved_again(commitment, applicant_a, officer):
    made = services.claim_approve(claim=claim(commitment, applicant_a), actor=officer)
    other = UserFactory(username="other", is_staff=True, role=OFFICER)
    with pytest.raises(ValidationError) as refused:
        services.claim_approve(claim=made, actor=other)
    assert refused.value.code == "already_approved"


def test_a_claim_is_sent_back_only_with_a_reason(commitment, applicant_a, officer):
    made = claim(commitment, applicant_a)
    with pytest.raises(ValidationError) as refused:
        services.claim_send_back(claim=made, actor=officer, reason="")
    assert refused.value.message_dict == {"reason": ["Give the reason the claim is sent back"]}


# The council's pages -----------------------------------------------------------


def test_the_council_claims_on_its_award_page_and_sees_the_claim(applicant_a_client, commitment):
    url = reverse("payments:claim_create", args=[commitment.pk])
    response = applicant_a_client.post(
        url,
        {
            "amount": "£4,000",
            "period_from": "1/10/2013",
            "period_to": "31/12/2013",
            "invoice_reference": "ALL-INV-0042",
            "evidence": evidence(),
            "declaration": "on",
        },
    )
    assert response.status_code == 302
    page = applicant_a_client.get(reverse("payments:award_claims", args=[commitment.pk]))
    text = page.content.decode()
    assert "ALL-INV-0042" in text
    assert "Waiting for an officer&#x27;s check" in text


def test_the_claim_form_says_what_is_wrong_beside_each_field(applicant_a_client, commitment):
    response = applicant_a_client.post(
        reverse("payments:claim_create", args=[commitment.pk]),
        {
            "amount": "9000",
            "period_from": "31/12/2013",
            "period_to": "1/10/2013",
            "invoice_reference": "X",
            "evidence": evidence(),
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert "Confirm that the money was spent on the award" in text
    assert not Claim.objects.exists()
    response = applicant_a_client.post(
        reverse("payments:claim_create", args=[commitment.pk]),
        {
            "amount": "9000",
            "period_from": "1/10/2013",
            "period_to": "31/12/2013",
            "invoice_reference": "X",
            "evidence": evidence(),
            "declaration": "on",
        },
    )
    assert "Claim £8,000.00 or less: that is what remains of the award" in response.content.decode()


def test_another_councils_award_is_not_found(applicant_b_client, commitment):
    for name in ("payments:award_claims", "payments:claim_create"):
        assert applicant_b_client.get(reverse(name, args=[commitment.pk])).status_code == 404


def test_officers_approve_and_finance_pays_in_the_admin(
    client, commitment, applicant_a, officer, finance
):
    made = claim(commitment, applicant_a, "4000")
    url = reverse("admin:payments_claim_change", args=[made.pk])
    client.force_login(officer)
    response = client.post(url, {"action": "approve"})
    assert response.status_code == 302
    client.force_login(finance)
    response = client.post(
        url, {"action": "pay", "payment-paid_on": "2013-12-20", "payment-reference": "BACS-9"}
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.state, made.paid_on) == (ClaimState.PAID, date(2013, 12, 20))


def test_the_admin_says_why_an_officer_cannot_record_a_payment(
    officer_client, commitment, applicant_a, officer, finance, client
):
    made = services.claim_approve(claim=claim(commitment, applicant_a), actor=officer)
    url = reverse("admin:payments_claim_change", args=[made.pk])
    # In the place of the button, the reason there is none.
    text = officer_client.get(url).content.decode()
    assert 'value="pay"' not in text
    assert (
        '<p class="help" id="why-no-action">Only LGA finance record payments: an officer who '
        "holds “records payments” records this claim&#x27;s payment date and reference.</p>"
    ) in text
    # A payment posted all the same is refused, and the page says why.
    response = officer_client.post(
        url, {"action": "pay", "payment-paid_on": "2013-12-20", "payment-reference": "BACS-9"}
    )
    assert response.status_code == 200
    assert "Only LGA finance record payments" in response.content.decode()
    made.refresh_from_db()
    assert made.state == ClaimState.APPROVED
    # LGA finance have the button.
    client.force_login(finance)
    assert 'value="pay"' in client.get(url).content.decode()
