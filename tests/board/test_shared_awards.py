"""Shared awards (issue 24): an award serves its lead and partner councils,
each with a share; the board counts and lists every council served."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from applications import services
from applications.models import AwardShare
from tests.applications.bids import bid_in_assessment
from tests.factories import CouncilFactory

D = Decimal


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))


def _shared_award(call, lead, applicant, officer, partners, amount="10000"):
    bid = bid_in_assessment(call, lead, applicant, officer)
    bid.partner_councils.add(*partners)
    return services.application_approve(application=bid, actor=officer, award_amount=D(amount))


def _shares(award) -> dict[str, Decimal]:
    return {share.council.short_name: share.amount for share in award.shares.all()}


@pytest.fixture
def partners(db):
    return [
        CouncilFactory(name="Barnshire Council", short_name="Barnshire"),
        CouncilFactory(name="Coldshire Council", short_name="Coldshire"),
    ]


# The shares an approval makes ------------------------------------------------


def test_an_award_is_shared_equally_with_the_odd_pennies_on_the_lead(
    experts_call, council_a, applicant_a, officer, partners
):
    award = _shared_award(experts_call, council_a, applicant_a, officer, partners)
    assert _shares(award) == {
        "Allerdale": D("3333.34"),
        "Barnshire": D("3333.33"),
        "Coldshire": D("3333.33"),
    }
    assert sum(_shares(award).values()) == award.award_value


def test_a_single_councils_award_is_all_its_own(experts_call, council_a, applicant_a, officer):
    award = _shared_award(experts_call, council_a, applicant_a, officer, [], amount="7500")
    assert _shares(award) == {"Allerdale": D("7500.00")}


def test_adviser_days_are_shared_at_the_day_rate(growth_call, council_a, applicant_a, officer):
    bid = bid_in_assessment(growth_call, council_a, applicant_a, officer)
    bid.partner_councils.add(CouncilFactory(short_name="Barnshire"))
    award = services.application_approve(application=bid, actor=officer, award_days=11)
    # 11 days at £500: £5,500 in two.
    assert sorted(_shares(award).values()) == [D("2750.00"), D("2750.00")]


# Changing them ---------------------------------------------------------------


def test_an_officer_changes_the_shares_and_the_trail_records_the_change(
    experts_call, council_a, applicant_a, officer, partners
):
    award = _shared_award(experts_call, council_a, applicant_a, officer, partners)
    amounts = {council_a.pk: D("5000"), partners[0].pk: D("3000"), partners[1].pk: D("2000")}
    services.award_shares_set(application=award, amounts=amounts, actor=officer)
    assert _shares(award) == {
        "Allerdale": D("5000.00"),
        "Barnshire": D("3000.00"),
        "Coldshire": D("2000.00"),
    }
    share = AwardShare.objects.get(application=award, council=council_a)
    entry = LogEntry.objects.get_for_object(share).order_by("-pk").first()
    assert entry.changes_dict["amount"] == ["3333.34", "5000"]


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        (
            ("5000", "3000", "1000"),
            "must add up to the award of £10,000.00: they add up to £9,000.00",
        ),
        (("11000", "-500", "-500"), "Barnshire's share must be £0 or more"),
        (("5000.005", "2499.995", "2500"), "must be in pounds and pence"),
        ((None, "5000", "5000"), "Enter Allerdale's share in pounds"),
    ],
)
def test_shares_that_are_wrong_change_nothing_and_say_why(
    experts_call, council_a, applicant_a, officer, partners, amounts, message
):
    award = _shared_award(experts_call, council_a, applicant_a, officer, partners)
    before = _shares(award)
    councils = [council_a, *partners]
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        services.award_shares_set(
            application=award,
            amounts={
                council.pk: None if amount is None else D(amount)
                for council, amount in zip(councils, amounts, strict=True)
            },
            actor=officer,
        )
    assert _shares(award) == before


def test_a_share_for_a_council_the_award_does_not_serve_is_refused(
    experts_call, council_a, applicant_a, officer, partners, council_b
):
    award = _shared_award(experts_call, council_a, applicant_a, officer, partners[:1])
    with pytest.raises(ValidationError, match="Give a share for each council the award serves"):
        services.award_shares_set(
            application=award,
            amounts={council_a.pk: D("5000"), council_b.pk: D("5000")},
            actor=officer,
        )


def test_only_an_award_has_shares(experts_call, council_a, applicant_a, officer):
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    with pytest.raises(ValidationError, match="only an award has shares"):
        services.award_shares_set(
            application=bid, amounts={council_a.pk: D("10000")}, actor=officer
        )


def test_a_council_user_cannot_change_shares(
    experts_call, council_a, applicant_a, officer, partners
):
    award = _shared_award(experts_call, council_a, applicant_a, officer, partners[:1])
    with pytest.raises(PermissionDenied):
        services.award_shares_set(
            application=award,
            amounts={council_a.pk: D("10000"), partners[0].pk: D("0")},
            actor=applicant_a,
        )


# In the admin ----------------------------------------------------------------


def _admin_post(client, award, amounts: list[str]):
    shares = list(award.shares.order_by("pk"))
    data = {
        "shares-TOTAL_FORMS": str(len(shares)),
        "shares-INITIAL_FORMS": str(len(shares)),
        "shares-MIN_NUM_FORMS": "0",
        "shares-MAX_NUM_FORMS": "1000",
    }
    for n, (share, amount) in enumerate(zip(shares, amounts, strict=True)):
        data[f"shares-{n}-id"] = str(share.pk)
        data[f"shares-{n}-application"] = str(award.pk)
        data[f"shares-{n}-amount"] = amount
    return client.post(reverse("admin:applications_award_change", args=[award.pk]), data)


def test_the_awards_admin_lists_awards_and_their_councils(
    experts_call, council_a, applicant_a, officer, partners, officer_client
):
    award = _shared_award(experts_call, council_a, applicant_a, officer, partners)
    listing = officer_client.get(reverse("admin:applications_award_changelist"))
    assert listing.status_code == 200
    assert award.reference in listing.content.decode()
    page = officer_client.get(reverse("admin:applications_award_change", args=[award.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Barnshire Council" in text and "3333.34" in text
    history = officer_client.get(reverse("admin:applications_award_history", args=[award.pk]))
    assert history.status_code == 200


def test_shares_that_do_not_add_up_are_refused_in_the_admin_with_the_reason(
    experts_call, council_a, applicant_a, officer, partners, officer_client
):
    award = _shared_award(experts_call, council_a, applicant_a, officer, partners)
    response = _admin_post(officer_client, award, ["5000", "3000", "1000"])
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        "The councils&#x27; shares must add up to the award of £10,000.00: they add up to £9,000.00"
    ) in text
    assert _shares(award)["Allerdale"] == D("3333.34")


def test_a_negative_share_is_refused_in_the_admin_beside_the_share(
    experts_call, council_a, applicant_a, officer, partners, officer_client
):
    award = _shared_award(experts_call, council_a, applicant_a, officer, partners)
    response = _admin_post(officer_client, award, ["11000", "-500", "-500"])
    assert response.status_code == 200
    assert "Enter a share of £0 or more" in response.content.decode()
    assert _shares(award)["Allerdale"] == D("3333.34")


def test_shares_that_add_up_are_saved_from_the_admin(
    experts_call, council_a, applicant_a, officer, partners, officer_client
):
    award = _shared_award(experts_call, council_a, applicant_a, officer, partners)
    response = _admin_post(officer_client, award, ["6000", "2000", "2000"])
    assert response.status_code == 302
    share = AwardShare.objects.get(application=award, council=council_a)
    assert LogEntry.objects.get_for_object(share).order_by("-pk").first().actor == officer
    assert _shares(award) == {
        "Allerdale": D("6000.00"),
        "Barnshire": D("2000.00"),
        "Coldshire": D("2000.00"),
    }


# On the board ----------------------------------------------------------------


def test_every_council_an_award_serves_is_in_the_strand_table_with_its_share(
    experts_call, council_a, applicant_a, officer, partners, board_client
):
    _shared_award(experts_call, council_a, applicant_a, officer, partners)
    page = board_client.get(reverse("board:strand", args=["experts"])).content.decode()
    assert 'data-figure="experts-councils">3<' in page
    rows = _csv(board_client.get(reverse("board:strand_csv", args=["experts", "councils"])))
    assert {row["Council"]: (row["Role"], row["Share of awards"]) for row in rows} == {
        "Allerdale Borough Council": ("Lead", "3333.34"),
        "Barnshire Council": ("Partner", "3333.33"),
        "Coldshire Council": ("Partner", "3333.33"),
    }
    # The investment is recorded against the lead.
    assert {row["Council"]: row["Invested"] for row in rows}["Barnshire Council"] == "0.00"


def test_the_experts_table_lists_the_10_councils_its_headline_counts(demo, board_client):
    page = board_client.get(reverse("board:strand", args=["experts"])).content.decode()
    assert 'data-figure="experts-councils">10<' in page
    rows = _csv(board_client.get(reverse("board:strand_csv", args=["experts", "councils"])))
    assert len(rows) == 10
    served = {row["Council"]: (row["Role"], row["Share of awards"]) for row in rows}
    assert served["Essex County Council"] == ("Partner", "3750.00")
    assert served["Hertfordshire County Council"] == ("Lead", "3750.00")
    assert served["London Borough of Camden"] == ("Partner", "2500.00")
    # An officer changed the equal split: Sheffield two thirds, Leeds one.
    assert served["Sheffield City Council"] == ("Lead", "4000.00")
    assert served["Leeds City Council"] == ("Partner", "2000.00")
    assert sum(D(share) for _, share in served.values()) == D("46000")
    # The page's own table lists them all too.
    for name in served:
        assert name in page


def test_an_appointment_shows_every_council_it_serves(demo, board_client, officer_client):
    page = board_client.get(reverse("board:strand", args=["experts"])).content.decode()
    assert "Hertfordshire (lead) £3,750.00; Essex £3,750.00" in page
    rows = _csv(board_client.get(reverse("board:strand_csv", args=["experts", "appointments"])))
    assert len(rows) == 7
    assert sum(int(row["Councils served"]) for row in rows) == 10
    admin_list = officer_client.get(reverse("admin:experts_appointment_changelist"))
    assert "Sheffield (lead) £4,000.00; Leeds £2,000.00" in admin_list.content.decode()


def test_procurement_counts_and_lists_the_councils_leading_its_workstreams(demo, board_client):
    page = board_client.get(reverse("board:strand", args=["procurement"])).content.decode()
    assert 'data-figure="procurement-councils">3<' in page
    rows = _csv(board_client.get(reverse("board:strand_csv", args=["procurement", "councils"])))
    roles = {row["Council"]: row["Role"] for row in rows}
    assert roles == {
        "Lincolnshire County Council": "Leads Construction",
        "Gloucestershire County Council": "Leads Energy",
        "London Borough of Camden": "Leads ICT",
    }


def test_the_shares_made_before_this_change_are_equal(db, council_a):
    """The migration's backfill follows the same rule as the approval."""
    assert services.shares_split(D("100.00"), 3) == [D("33.34"), D("33.33"), D("33.33")]
    assert services.shares_split(D("0.01"), 2) == [D("0.01"), D("0.00")]


def test_every_strands_table_lists_as_many_councils_as_its_headline_counts(demo, board_client):
    from programmes.models import Strand

    for strand in Strand.objects.all():
        page = board_client.get(reverse("board:strand", args=[strand.key])).content.decode()
        rows = _csv(board_client.get(reverse("board:strand_csv", args=[strand.key, "councils"])))
        assert f'data-figure="{strand.key}-councils">{len(rows)}<' in page, strand.key
    asce = _csv(board_client.get(reverse("board:strand_csv", args=["asce", "councils"])))
    assert {row["Role"] for row in asce} == {"Returns for 2012/13"}
