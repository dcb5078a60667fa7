"""Partner councils claim their share where the award is shared (issue 28;
docs/money.md, "Partner councils' shares").

One award of £8,000, led by Lead council, naming Partner (confirmed on the
portal), Letter (confirmed by a letter an officer recorded), Declined and
Waiting (not yet answered); Successor took over Lead's area. Shares: Lead
£4,000, Partner £2,000, Letter £1,000, Waiting £1,000. Lead and Partner have
each claimed once.

The access matrix, in the style of tests/applications/test_partner_access.py:
the award's claim pages open to the councils that claim on it (the lead and
the partners that confirmed), each council's evidence to that council alone;
everyone else gets 404 and changes nothing.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from applications import services as bids
from applications.models import Application, PartnerConfirmation
from programmes.models import Council
from programmes.payments import services
from programmes.payments.models import Claim, ClaimState, MoneyRollup, StrandLedger
from programmes.permissions import SYSTEM
from programmes.roles import APPLICANT
from savings import rollups
from tests.applications.bids import bid_completed
from tests.factories import CouncilFactory, UserFactory
from tests.payments.money import claim, commitment_of, evidence

pytestmark = pytest.mark.django_db

PERSONAS = ("lead", "partner", "letter", "declined", "waiting", "outsider", "successor")
CLAIMERS = {"lead", "partner", "letter"}
SHARES = {"lead": "4000", "partner": "2000", "letter": "1000", "waiting": "1000"}


def _confirmation(application: Application, council: Council) -> PartnerConfirmation:
    return PartnerConfirmation.objects.get(application=application, council=council)


@pytest.fixture
def world(experts_call):
    councils = {
        name: CouncilFactory(name=f"{name.title()} Council", short_name=name.title())
        for name in PERSONAS
    }
    users = {
        name: UserFactory(username=f"claims-{name}", council=council, role=APPLICANT)
        for name, council in councils.items()
    }
    bid = bid_completed(experts_call, councils["lead"], SYSTEM)
    bid = bids.application_section_save(
        application=bid,
        actor=SYSTEM,
        section="councils",
        answers={
            "partner_councils": [
                councils[name] for name in ("partner", "letter", "declined", "waiting")
            ]
        },
        version=None,
    )
    bids.partner_answer(
        confirmation=_confirmation(bid, councils["partner"]), actor=SYSTEM, confirmed=True
    )
    bids.partner_confirm_by_letter(
        confirmation=_confirmation(bid, councils["letter"]),
        actor=SYSTEM,
        reason="Letter from its chief executive, 2 May",
    )
    bids.partner_answer(
        confirmation=_confirmation(bid, councils["declined"]),
        actor=SYSTEM,
        confirmed=False,
        reason="Not part of our plans",
    )
    bid = bids.application_submit(application=bid, actor=SYSTEM, notify=False)
    bid = bids.application_assessment_start(application=bid, actor=SYSTEM, notify=False)
    bid = bids.application_approve(
        application=bid, actor=SYSTEM, award_amount=Decimal("8000"), notify=False
    )
    bids.award_shares_set(
        application=bid,
        amounts={councils[name].pk: Decimal(amount) for name, amount in SHARES.items()},
        actor=SYSTEM,
    )
    award = commitment_of(bid)
    lead_claim = claim(award, users["lead"], "1000", "LEAD-1")
    partner_claim = claim(award, users["partner"], "500", "PART-1")
    Council.objects.filter(pk=councils["lead"].pk).update(abolished_on=date(2023, 4, 1))
    councils["lead"].successors.add(councils["successor"])
    return {
        "councils": councils,
        "users": users,
        "award": award,
        "claims": {"lead": lead_claim, "partner": partner_claim},
    }


def _pages(world) -> dict[str, str]:
    award = world["award"].pk
    return {
        "award_claims": reverse("payments:award_claims", args=[award]),
        "claim_create": reverse("payments:claim_create", args=[award]),
        "lead_evidence": reverse("payments:evidence_download", args=[world["claims"]["lead"].pk]),
        "partner_evidence": reverse(
            "payments:evidence_download", args=[world["claims"]["partner"].pk]
        ),
    }


# Who reaches each page (any answer but 404); everyone else gets 404.
REACHES = {
    "award_claims": CLAIMERS,
    "claim_create": CLAIMERS,
    "lead_evidence": {"lead"},
    "partner_evidence": {"partner"},
}


def _state() -> list:
    return sorted(Claim.objects.values_list("pk", "council_id", "amount", "state"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_council_reaches_only_the_claims_that_are_its_own(persona, world):
    client = Client()
    client.force_login(world["users"][persona])
    before = _state()
    wrong = []
    for page, url in _pages(world).items():
        status = client.get(url).status_code
        want_ok = persona in REACHES[page]
        if want_ok == (status == 404) or status >= 500:
            wrong.append(f"GET {page} as {persona}: {status}")
    if persona not in CLAIMERS:
        status = client.post(
            _pages(world)["claim_create"],
            {
                "amount": "100",
                "period_from": "1/10/2013",
                "period_to": "31/12/2013",
                "invoice_reference": "HIJACK-1",
                "evidence": evidence(),
                "declaration": "on",
            },
        ).status_code
        if status != 404:
            wrong.append(f"POST claim_create as {persona}: {status}")
    listed = world["award"].label in client.get(reverse("payments:award_list")).content.decode()
    if listed != (persona in CLAIMERS):
        wrong.append(f"the award {'is' if listed else 'is not'} on {persona}'s list of claims")
    assert wrong == []
    assert _state() == before


@pytest.mark.parametrize("persona", ["declined", "waiting", "outsider", "successor"])
def test_the_service_refuses_a_claim_by_a_council_that_does_not_claim_on_the_award(persona, world):
    with pytest.raises(PermissionDenied, match="Only the councils of this award can claim on it"):
        claim(world["award"], world["users"][persona], "100", "X-1")


def test_a_partner_claims_within_what_remains_of_its_share(world):
    partner = world["users"]["partner"]
    with pytest.raises(ValidationError) as refused:
        claim(world["award"], partner, "1500.01", "PART-2")
    assert refused.value.message_dict == {
        "amount": [
            "Claim £1,500.00 or less: that is what remains of your council's share of the award"
        ]
    }
    made = claim(world["award"], partner, "1500", "PART-2")
    assert (made.council, made.commitment.council) == (
        world["councils"]["partner"],
        world["councils"]["lead"],
    )
    with pytest.raises(ValidationError) as refused:
        claim(world["award"], partner, "1", "PART-3")
    assert refused.value.message_dict == {
        "amount": ["Nothing remains to claim on your council's share of the award"]
    }


def test_the_lead_claims_within_its_own_share_not_the_whole_award(world):
    with pytest.raises(ValidationError) as refused:
        claim(world["award"], world["users"]["lead"], "3000.01", "LEAD-2")
    assert refused.value.message_dict == {
        "amount": [
            "Claim £3,000.00 or less: that is what remains of your council's share of the award"
        ]
    }


def test_a_partner_confirmed_by_letter_claims_on_its_share(world):
    made = claim(world["award"], world["users"]["letter"], "1000", "LET-1")
    assert made.council == world["councils"]["letter"]


def test_a_partner_claims_once_it_confirms(world):
    waiting = world["users"]["waiting"]
    bids.partner_answer(
        confirmation=_confirmation(world["award"].application, world["councils"]["waiting"]),
        actor=SYSTEM,
        confirmed=True,
    )
    assert claim(world["award"], waiting, "1000", "WAIT-1").council == world["councils"]["waiting"]


def test_when_the_award_is_reduced_what_remains_of_it_limits_every_council(world, officer):
    # £1,500 claimed so far; reduced to £2,000, £500 remains of the award.
    services.commitment_reduce(
        commitment=world["award"], amount=Decimal("2000"), reason="Less work", actor=officer
    )
    with pytest.raises(ValidationError) as refused:
        claim(world["award"], world["users"]["partner"], "600", "PART-2")
    assert refused.value.message_dict == {
        "amount": ["Claim £500.00 or less: that is what remains of the award"]
    }


def test_a_partner_sees_its_share_and_its_own_claims_not_the_leads(world):
    client = Client()
    client.force_login(world["users"]["partner"])
    html = client.get(_pages(world)["award_claims"]).content.decode()
    assert "Your council is a partner on this award, led by Lead Council" in html
    assert "£2,000.00" in html  # its share
    assert "£1,500.00" in html  # what it may still claim
    assert "PART-1" in html
    assert "LEAD-1" not in html
    listing = client.get(reverse("payments:award_list")).content.decode()
    assert "Partner: led by Lead Council" in listing


def test_a_partner_claims_on_its_page_like_the_lead(world):
    client = Client()
    client.force_login(world["users"]["partner"])
    response = client.post(
        _pages(world)["claim_create"],
        {
            "amount": "£1,500",
            "period_from": "1/10/2013",
            "period_to": "31/12/2013",
            "invoice_reference": "PART-2",
            "evidence": evidence(),
            "declaration": "on",
        },
    )
    assert response.status_code == 302
    made = Claim.objects.get(invoice_reference="PART-2")
    assert (made.council, made.state) == (world["councils"]["partner"], ClaimState.SUBMITTED)


def test_officers_see_which_council_claimed(officer_client, world):
    html = officer_client.get(
        reverse("admin:payments_commitment_change", args=[world["award"].pk])
    ).content.decode()
    assert "<td>Partner Council</td><td>PART-1</td>" in html
    assert "<td>Lead Council</td><td>LEAD-1</td>" in html
    listing = officer_client.get(reverse("admin:payments_claim_changelist")).content.decode()
    assert "Partner Council" in listing


def test_the_finance_export_pays_the_council_that_claimed(officer_client, world, officer):
    StrandLedger.objects.create(
        strand=world["award"].strand, cost_centre="PP100", nominal_code="5410"
    )
    services.claim_approve(claim=world["claims"]["partner"], actor=officer)
    response = officer_client.get(reverse("admin:payments_claim_awaiting_payment") + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[:2] + row[4:6] for row in rows[1:]] == [
        ["Partner Council", world["councils"]["partner"].gss_code, "500.00", "PART-1"]
    ]


def test_a_partners_claim_counts_in_the_awards_scope(world):
    rollups.drain()
    award = world["award"]
    lead_row = MoneyRollup.objects.get(council=world["councils"]["lead"])
    assert (lead_row.committed, lead_row.claimed) == (Decimal("8000"), Decimal("1500"))
    assert not MoneyRollup.objects.filter(council=world["councils"]["partner"]).exists()
    assert lead_row.financial_year == award.financial_year


def test_the_list_of_claims_reads_the_same_number_of_queries_for_more_awards(world, experts_call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.payments.money import shared_award

    client = Client()
    client.force_login(world["users"]["partner"])
    url = reverse("payments:award_list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    shared_award(
        experts_call, world["councils"]["outsider"], [world["councils"]["partner"]], ["1", "7999"]
    )
    with CaptureQueriesContext(connection) as two:
        html = client.get(url).content.decode()
    assert len(two.captured_queries) == len(one.captured_queries)
    assert html.count("Partner: led by") == 2
