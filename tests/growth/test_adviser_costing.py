"""Adviser days costed: the days logged over a period become a claim on the
award, paid to the adviser's organisation at the day rate the days were
logged at, through the claims' own checks, approvals and payment
(docs/money.md, "Adviser days")."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from programmes.growth.models import AdviserCosting, AdviserDay, AdviserDayCost
from programmes.growth.services import adviser_day_delete
from programmes.payments import services as payments
from programmes.payments.models import CallClaimRule, Claim, ClaimState, MoneyRollup, StrandLedger
from programmes.roles import OFFICER
from savings import rollups
from tests.factories import UserFactory
from tests.growth.costing import NOVEMBER, ORGANISATION, SEPT_OCT, cost, matched_award
from tests.payments.money import commitment_of, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def bid(growth_call, council_a, applicant_a, officer):
    return matched_award(growth_call, council_a, applicant_a, officer, days=10)


@pytest.fixture
def checker(db):
    return UserFactory(username="checker", is_staff=True, role=OFFICER)


@pytest.fixture
def finance(db):
    return grant(UserFactory(username="finance", is_staff=True, role=OFFICER), "record_payments")


def refusal(error: pytest.ExceptionInfo) -> dict[str, list[str]]:
    value = error.value
    return value.message_dict if hasattr(value, "error_dict") else {"": value.messages}


def test_the_days_of_a_period_become_a_claim_to_the_advisers_organisation(bid, officer):
    costing = cost(bid, actor=officer)
    claim = costing.claim
    # 1.5 + 2 days at the call's £500 a day.
    assert (costing.days, costing.amount, claim.amount) == (
        Decimal("3.5"),
        Decimal("1750.00"),
        Decimal("1750.00"),
    )
    assert claim.payee == ORGANISATION
    assert claim.supplier == ORGANISATION
    assert claim.council_id == bid.lead_council_id
    assert claim.commitment == commitment_of(bid)
    assert claim.state == ClaimState.SUBMITTED
    assert (claim.period_from, claim.period_to) == SEPT_OCT
    assert claim.declared_by == officer
    assert sorted(costing.lines.values_list("adviser_day__worked_on", flat=True)) == [
        date(2013, 9, 18),
        date(2013, 10, 9),
    ]


def test_the_days_are_costed_at_the_day_rate_they_were_logged_at(bid, growth_call, officer):
    growth_call.day_rate = Decimal("650")
    growth_call.save()
    costing = cost(bid, actor=officer)
    assert costing.amount == Decimal("1750.00")
    assert set(costing.lines.values_list("day_rate", flat=True)) == {Decimal("500.00")}


def test_the_claim_is_approved_by_another_officer_and_paid_by_lga_finance(
    bid, officer, checker, finance
):
    claim = cost(bid, actor=officer).claim
    with pytest.raises(PermissionDenied, match="another officer must check and approve it"):
        payments.claim_approve(claim=claim, actor=officer)
    claim = payments.claim_approve(claim=claim, actor=checker)
    assert claim.state == ClaimState.APPROVED
    with pytest.raises(PermissionDenied, match="Only LGA finance"):
        payments.claim_pay(claim=claim, actor=checker, paid_on=date(2013, 11, 22), reference="P")
    paid = payments.claim_pay(
        claim=claim, actor=finance, paid_on=date(2013, 11, 22), reference="LGA-EGP-101"
    )
    assert (paid.state, paid.paid_on, paid.payment_reference) == (
        ClaimState.PAID,
        date(2013, 11, 22),
        "LGA-EGP-101",
    )


def test_above_the_calls_limit_a_second_officer_approves(bid, growth_call, officer, checker):
    CallClaimRule.objects.create(call=growth_call, second_approval_above=Decimal("1000"))
    claim = payments.claim_approve(claim=cost(bid, actor=officer).claim, actor=checker)
    assert claim.state == ClaimState.FIRST_APPROVED
    with pytest.raises(PermissionDenied, match="a second officer must approve it"):
        payments.claim_approve(claim=claim, actor=checker)
    assert payments.claim_approve(claim=claim, actor=officer).state == ClaimState.APPROVED


def test_costed_and_paid_days_count_in_the_awards_money_rollup(bid, officer, checker, finance):
    first = payments.claim_approve(claim=cost(bid, actor=officer).claim, actor=checker)
    payments.claim_pay(claim=first, actor=finance, paid_on=date(2013, 11, 22), reference="P-1")
    cost(bid, NOVEMBER, "2.5", "EGP-102", actor=officer)
    rollups.drain()
    row = MoneyRollup.objects.get(council=bid.lead_council, call=bid.call)
    assert (row.committed, row.claimed, row.paid) == (
        Decimal("5000.00"),
        Decimal("3000.00"),
        Decimal("1750.00"),
    )


def test_the_finance_export_pays_the_advisers_organisation_on_the_strands_codes(
    bid, growth_call, officer, checker, officer_client
):
    StrandLedger.objects.create(
        strand=growth_call.strand, cost_centre="PP-EGA", nominal_code="5430"
    )
    payments.claim_approve(claim=cost(bid, actor=officer).claim, actor=checker)
    response = officer_client.get(reverse("admin:payments_claim_awaiting_payment") + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][:6] == [ORGANISATION, "", "PP-EGA", "5430", "1750.00", "EGP-101"]


def test_open_data_disburses_the_paid_adviser_days_for_the_grant(bid, officer, checker, finance):
    from programmes.board.opendata import package
    from programmes.board.selectors import grant_records
    from tests.board.open_data_schema import package_errors

    claim = payments.claim_approve(claim=cost(bid, actor=officer).claim, actor=checker)
    payments.claim_pay(claim=claim, actor=finance, paid_on=date(2013, 11, 22), reference="P-1")
    cost(bid, NOVEMBER, "2.5", "EGP-102", actor=officer)  # not paid yet
    data = package(list(grant_records()), issued=date(2013, 12, 2))
    assert package_errors(data) == []
    assert [grant["amountDisbursed"] for grant in data["grants"]] == [1750]


# Bad input: each refused with its own message, nothing saved ------------------


def test_it_refuses_days_already_costed(bid, officer):
    first = cost(bid, actor=officer)
    with pytest.raises(ValidationError) as error:
        cost(bid, invoice="EGP-101-AGAIN", actor=officer)
    assert refusal(error) == {
        "period_from": [
            "The days logged from 1 September 2013 to 31 October 2013 have already been "
            f"costed (claim {first.claim_id}): choose a period with days not yet costed"
        ]
    }
    assert Claim.objects.count() == 1


def test_it_refuses_days_beyond_the_awards_days(bid, officer):
    cost(bid, actor=officer)
    with pytest.raises(ValidationError) as error:
        cost(bid, NOVEMBER, "7", "EGP-102", actor=officer)
    assert refusal(error) == {
        "days": ["Only 6.5 days of the 10 awarded remain to be costed: 3.5 days already costed"]
    }
    assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("-1", "Enter a number of days more than 0"),
        ("0", "Enter a number of days more than 0"),
        ("1.3", "Enter days in whole or half days, like 1 or 1.5"),
        (None, "Enter the number of days the adviser's organisation invoiced"),
    ],
)
def test_it_refuses_a_day_count_that_is_not_whole_or_half_days(bid, officer, days, message):
    with pytest.raises(ValidationError) as error:
        cost(bid, days=days, actor=officer)
    assert refusal(error) == {"days": [message]}
    assert Claim.objects.count() == AdviserCosting.objects.count() == 0


def test_it_refuses_a_count_that_is_not_the_days_logged_in_the_period(bid, officer):
    with pytest.raises(ValidationError) as error:
        cost(bid, days="3", actor=officer)
    assert refusal(error) == {
        "days": [
            "3.5 days logged from 1 September 2013 to 31 October 2013 are not yet costed: "
            "enter 3.5, or change the period to the days the invoice covers"
        ]
    }


def test_it_refuses_a_period_with_no_days_logged(bid, officer):
    with pytest.raises(ValidationError) as error:
        cost(bid, (date(2013, 12, 1), date(2013, 12, 31)), "1", actor=officer)
    assert refusal(error) == {
        "period_from": ["No adviser days are logged from 1 December 2013 to 31 December 2013"]
    }


def test_it_refuses_costing_on_a_withdrawn_award(bid, officer):
    payments.commitment_withdraw(commitment=commitment_of(bid), reason="Stopped", actor=officer)
    with pytest.raises(
        ValidationError, match="You cannot cost days on this award: it was withdrawn"
    ):
        cost(bid, actor=officer)
    assert Claim.objects.count() == 0


def test_it_refuses_a_costing_beyond_what_remains_of_the_commitment(bid, officer):
    payments.commitment_reduce(
        commitment=commitment_of(bid), amount=Decimal("1000"), reason="Less", actor=officer
    )
    with pytest.raises(ValidationError) as error:
        cost(bid, actor=officer)
    assert refusal(error) == {
        "days": ["This costs £1,750.00: only £1,000.00 remains of the award's commitment"]
    }
    assert AdviserCosting.objects.count() == 0


def test_it_refuses_the_same_invoice_twice_on_the_award(bid, officer):
    cost(bid, actor=officer)
    with pytest.raises(ValidationError) as error:
        cost(bid, NOVEMBER, "2.5", "egp-101", actor=officer)
    assert refusal(error) == {
        "invoice_reference": ["Invoice egp-101 has already been claimed on this award"]
    }


def test_it_refuses_an_adviser_without_an_organisation_to_pay(bid, officer):
    adviser = bid.adviser_match.adviser
    adviser.organisation = ""
    adviser.save()
    with pytest.raises(ValidationError, match="Add Gale Growth's organisation on the panel"):
        cost(bid, actor=officer)


def test_a_claim_sent_back_frees_its_days_to_be_costed_again(bid, officer, checker):
    first = cost(bid, actor=officer)
    payments.claim_send_back(claim=first.claim, actor=checker, reason="Wrong invoice")
    again = cost(bid, invoice="EGP-101-B", actor=officer)
    assert again.amount == Decimal("1750.00")
    assert first.lines.filter(released_at__isnull=False).count() == 2
    assert AdviserDayCost.objects.filter(released_at__isnull=True).count() == 2


def test_a_costed_day_cannot_be_removed_until_its_claim_is_sent_back(bid, officer, checker):
    costing = cost(bid, actor=officer)
    day = AdviserDay.objects.get(application=bid, worked_on=date(2013, 9, 18))
    with pytest.raises(ValidationError, match=f"costed on claim {costing.claim_id}"):
        adviser_day_delete(day=day, actor=officer)
    payments.claim_send_back(claim=costing.claim, actor=checker, reason="Wrong days")
    adviser_day_delete(day=day, actor=officer)
    assert not AdviserDay.objects.filter(pk=day.pk).exists()


# The admin ----------------------------------------------------------------------


def add_form(bid, **changes) -> dict[str, str]:
    return {
        "application": str(bid.pk),
        "period_from": "2013-09-01",
        "period_to": "2013-10-31",
        "days": "3.5",
        "invoice_reference": "EGP-101",
        "note": "",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        **changes,
    }


def test_an_officer_costs_days_in_the_admin_and_sees_them_listed(officer_client, bid, officer):
    url = reverse("admin:growth_advisercosting_add")
    response = officer_client.post(url, add_form(bid))
    assert response.status_code == 302, response.content.decode()
    costing = AdviserCosting.objects.get()
    assert costing.costed_by == officer
    listed = officer_client.get(reverse("admin:growth_advisercosting_changelist")).content.decode()
    assert ORGANISATION in listed
    assert f"Claim {costing.claim_id}" in listed


def test_the_admin_shows_a_refusal_by_its_field(officer_client, bid):
    response = officer_client.post(
        reverse("admin:growth_advisercosting_add"), add_form(bid, days="1.3")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter days in whole or half days, like 1 or 1.5" in page
    assert AdviserCosting.objects.count() == 0


def test_the_note_is_changed_in_the_admin_and_kept_in_the_history(officer_client, bid, officer):
    costing = cost(bid, actor=officer)
    url = reverse("admin:growth_advisercosting_change", args=[costing.pk])
    page = officer_client.get(url).content.decode()
    assert f"Claim {costing.claim_id}" in page
    assert ORGANISATION in page
    response = officer_client.post(
        url,
        {
            "note": "Invoice checked against the adviser's timesheet",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "2",
            **{
                f"lines-{index}-id": str(line.pk)
                for index, line in enumerate(costing.lines.order_by("adviser_day__worked_on", "pk"))
            },
            **{f"lines-{index}-costing": str(costing.pk) for index in range(2)},
        },
    )
    assert response.status_code == 302, response.content.decode()
    costing.refresh_from_db()
    assert costing.note == "Invoice checked against the adviser's timesheet"
    assert costing.days == Decimal("3.5")
    history = officer_client.get(
        reverse("admin:growth_advisercosting_history", args=[costing.pk])
    ).content.decode()
    assert "timesheet" in history


def test_the_council_sees_the_costed_days_paid_to_the_advisers_organisation(
    applicant_a_client, bid, officer
):
    cost(bid, actor=officer)
    page = applicant_a_client.get(
        reverse("payments:award_claims", args=[commitment_of(bid).pk])
    ).content.decode()
    assert "EGP-101" in page
    assert f"Paid by the LGA to {ORGANISATION}" in page


def test_the_claims_admin_page_names_who_is_paid(officer_client, bid, officer):
    claim = cost(bid, actor=officer).claim
    page = officer_client.get(
        reverse("admin:payments_claim_change", args=[claim.pk])
    ).content.decode()
    assert "Paid to" in page and ORGANISATION in page


def test_the_board_money_page_counts_the_costed_days_as_claimed_and_paid(
    bid, growth_call, officer, checker, finance
):
    from programmes.board import money
    from tests.payments.money import this_year

    claim = payments.claim_approve(claim=cost(bid, actor=officer).claim, actor=checker)
    payments.claim_pay(claim=claim, actor=finance, paid_on=date(2013, 11, 22), reference="P-1")
    cost(bid, NOVEMBER, "2.5", "EGP-102", actor=officer)
    rollups.drain()
    table = money.money_page().tables["money-" + this_year().replace("/", "-")]
    rows = {row[0]: row[1:] for row in table.rows}
    # Budget (none set), committed 10 days at £500, claimed, paid.
    assert rows[growth_call.strand.name][1:4] == [
        Decimal("5000"),
        Decimal("3000"),
        Decimal("1750"),
    ]


def test_the_admin_offers_no_delete_for_a_costed_day(officer_client, bid, officer):
    cost(bid, actor=officer)
    costed = AdviserDay.objects.get(application=bid, worked_on=date(2013, 9, 18))
    free = AdviserDay.objects.get(application=bid, worked_on=date(2013, 11, 13))
    delete = "admin:growth_adviserday_delete"
    assert officer_client.get(reverse(delete, args=[costed.pk])).status_code == 403
    assert officer_client.get(reverse(delete, args=[free.pk])).status_code == 200


def test_the_council_cannot_claim_the_advisers_money_on_its_days_award(
    bid, applicant_a, applicant_a_client
):
    award = commitment_of(bid)
    with pytest.raises(ValidationError, match="it is adviser days, and the LGA pays the adviser"):
        payments.claim_submit(
            commitment=award,
            actor=applicant_a,
            amount=Decimal("500"),
            period_from=date(2013, 9, 1),
            period_to=date(2013, 9, 30),
            invoice_reference="OWN-1",
            declaration=True,
        )
    assert Claim.objects.count() == 0

    page = applicant_a_client.get(reverse("payments:award_claims", args=[award.pk]))
    text = " ".join(page.content.decode().split())
    assert "the LGA pays the adviser's organisation for the days logged" in text
    assert "Make a claim" not in text
    form = applicant_a_client.get(reverse("payments:claim_create", args=[award.pk]))
    assert form.status_code == 302
    assert form.url == reverse("payments:award_claims", args=[award.pk])
