"""Shared awards (issue 24, docs/savings.md "Shared awards"): each council an
award serves reports its own savings on its own returns; the lead council
reads its partners' returns; no other council sees them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from applications import services
from applications.models import Application, PartnerConfirmation
from programmes.notices.models import Notice
from programmes.permissions import SYSTEM
from programmes.returns import selectors
from programmes.returns import services as return_services
from programmes.returns.models import ReturnState, SavingsReturn
from programmes.roles import APPLICANT
from savings import rollups
from savings.models import Investment, SavingsEntry
from savings.selectors import rollup_for as _rollup_for
from tests.applications.bids import bid_completed
from tests.factories import CouncilFactory, ReportingCallFactory, UserFactory
from tests.savings.returns import AWARDED, first_return, line

pytestmark = pytest.mark.django_db
D = Decimal


def rollup_for(**scope):
    rollups.drain()
    return _rollup_for(**scope)


def shared_award(lead, confirmed, pending=(), **call) -> Application:
    """An approved bid of `lead` naming partners: `confirmed` said yes before
    it was approved, `pending` had not answered."""
    bid = bid_completed(ReportingCallFactory(**call), lead, SYSTEM)
    bid = services.application_section_save(
        application=bid,
        actor=SYSTEM,
        section="councils",
        answers={"partner_councils": [*confirmed, *pending]},
        version=None,
    )
    for council in confirmed:
        services.partner_answer(
            confirmation=PartnerConfirmation.objects.get(application=bid, council=council),
            actor=SYSTEM,
            confirmed=True,
        )
    bid = services.application_submit(application=bid, actor=SYSTEM, notify=False)
    bid = services.application_assessment_start(application=bid, actor=SYSTEM, notify=False)
    return services.application_approve(
        application=bid, actor=SYSTEM, award_amount=D("9000"), at=AWARDED, notify=False
    )


@pytest.fixture
def world(strands):
    councils = {
        name: CouncilFactory(name=f"{name.title()} Council", short_name=name.title())
        for name in ("lead", "partner", "other", "waiting", "outsider")
    }
    users = {
        name: UserFactory(username=f"u-{name}", council=council, role=APPLICANT)
        for name, council in councils.items()
    }
    bid = shared_award(
        councils["lead"], [councils["partner"], councils["other"]], [councils["waiting"]]
    )
    return {"councils": councils, "users": users, "bid": bid}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_confirmed_council_gets_its_own_returns(world):
    bid, councils = world["bid"], world["councils"]
    per_council = {
        council.short_name: bid.savings_returns.filter(council=council).count()
        for council in councils.values()
    }
    periods = per_council["Lead"]
    assert periods > 0
    # The lead and each confirmed partner, one return a period; not the partner yet to answer.
    assert per_council == {
        "Lead": periods,
        "Partner": periods,
        "Other": periods,
        "Waiting": 0,
        "Outsider": 0,
    }
    assert first_return(bid).reference == f"RET-{bid.reference}-1"
    # Once the waiting partner confirms, the next run makes its returns.
    services.partner_answer(
        confirmation=PartnerConfirmation.objects.get(application=bid, council=councils["waiting"]),
        actor=SYSTEM,
        confirmed=True,
    )
    assert return_services.returns_generate(actor=SYSTEM) == periods
    assert bid.savings_returns.filter(council=councils["waiting"]).count() == periods
    assert return_services.returns_generate(actor=SYSTEM) == 0


def test_a_partner_files_and_sends_its_own_return_which_counts_under_its_council(world):
    bid, councils, users = world["bid"], world["councils"], world["users"]
    partner_return = first_return(bid, councils["partner"])
    client = _client(users["partner"])
    # The partner's award page lists its own returns and its banner.
    award = Investment.objects.get(application=bid)
    page = client.get(reverse("savings:award_detail", args=[award.pk])).content.decode()
    assert reverse("savings:return_detail", args=[partner_return.pk]) in page
    assert reverse("savings:return_detail", args=[first_return(bid).pk]) not in page
    detail = client.get(reverse("savings:return_detail", args=[partner_return.pk]))
    assert "Add savings" in detail.content.decode()

    entry = return_services.return_line_add(
        actor=users["partner"],
        savings_return=partner_return,
        financial_year="2013/14",
        kind="realised",
        amount=D("4200"),
        evidence="Invoices checked by our finance team",
    )
    assert entry is not None and entry.council == councils["partner"]
    sent = return_services.return_submit(
        actor=users["partner"],
        savings_return=partner_return,
        declaration_name="Avery Sample",
        confirmed=True,
    )
    assert sent.state == ReturnState.SUBMITTED
    # Counted under the partner council, not the lead.
    assert rollup_for(council=councils["partner"]).realised_unverified == D("4200")
    assert rollup_for(council=councils["lead"]).realised_unverified == 0
    # Its own figures: the partner's received return, not the lead's.
    status = selectors.returns_as_at()
    received = SavingsReturn.objects.filter(status.received)
    assert list(received.values_list("council__short_name", flat=True)) == ["Partner"]
    assert selectors.returns_summary(council=councils["partner"]).received == 1
    assert selectors.returns_summary(council=councils["lead"]).received == 0


def test_the_lead_reads_its_partners_return_but_cannot_change_it(world):
    bid, councils, users = world["bid"], world["councils"], world["users"]
    partner_return = first_return(bid, councils["partner"])
    line(partner_return)  # a line the partner recorded
    client = _client(users["lead"])
    award = Investment.objects.get(application=bid)
    page = client.get(reverse("savings:award_detail", args=[award.pk])).content.decode()
    assert "Partner councils' savings returns" in page
    assert reverse("savings:return_detail", args=[partner_return.pk]) in page
    detail = client.get(reverse("savings:return_detail", args=[partner_return.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "Partner Council is a partner on your council's award" in html
    assert "Add savings" not in html
    assert client.get(reverse("savings:return_check", args=[partner_return.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        return_services.return_line_add(
            actor=users["lead"],
            savings_return=partner_return,
            financial_year="2013/14",
            kind="realised",
            amount=D("1"),
            evidence="Not ours to add",
        )


@pytest.mark.parametrize("who", ["other", "waiting", "outsider"])
def test_no_other_council_sees_a_partners_return(world, who):
    bid, councils = world["bid"], world["councils"]
    partner_return = first_return(bid, councils["partner"])
    client = _client(world["users"][who])
    for name in ("return_detail", "return_check", "return_line_add"):
        url = reverse(f"savings:{name}", args=[partner_return.pk])
        assert client.get(url).status_code == 404, name
    # Nor is it on their pages (the other partner sees its own returns only).
    award = Investment.objects.get(application=bid)
    page = client.get(reverse("savings:award_detail", args=[award.pk])).content.decode()
    assert reverse("savings:return_detail", args=[partner_return.pk]) not in page


def test_a_partners_finance_officer_certifies_its_return(strands):
    lead, partner = CouncilFactory(short_name="Lead"), CouncilFactory(short_name="Partner")
    bid = shared_award(lead, [partner], returns_need_certification=True)
    preparer = UserFactory(council=partner, role=APPLICANT)
    finance = UserFactory(council=partner, role=APPLICANT, is_finance_officer=True)
    lead_finance = UserFactory(council=lead, role=APPLICANT, is_finance_officer=True)
    partner_return = first_return(bid, partner)
    line(partner_return, "3000")
    prepared = return_services.return_submit(
        actor=preparer, savings_return=partner_return, declaration_name="Avery", confirmed=True
    )
    assert prepared.state == ReturnState.AWAITING_CERTIFICATION
    # The partner's finance officer is asked, not the lead's.
    assert Notice.objects.filter(recipient=finance.email, subject__contains="certification")
    assert not Notice.objects.filter(recipient=lead_finance.email).exists()
    assert list(selectors.returns_to_certify(user=finance)) == [partner_return]
    assert list(selectors.returns_to_certify(user=lead_finance)) == []
    url = reverse("savings:return_certify", args=[partner_return.pk])
    assert _client(lead_finance).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        return_services.return_certify(
            actor=lead_finance, savings_return=partner_return, confirmed=True
        )
    assert _client(finance).get(url).status_code == 200
    certified = return_services.return_certify(
        actor=finance, savings_return=partner_return, confirmed=True
    )
    assert certified.state == ReturnState.SUBMITTED and certified.certified_by == finance
    assert rollup_for(council=partner).realised_unverified == D("3000")
    assert SavingsEntry.objects.get(savings_return=partner_return).council == partner


def test_the_lead_award_page_reads_every_councils_returns_once(world, django_assert_num_queries):
    """The lead council's award page lists its own returns and then its
    partners', from one query of the award's returns (issue 26: two before)."""
    bid, councils, users = world["bid"], world["councils"], world["users"]
    client = _client(users["lead"])
    url = reverse("savings:award_detail", args=[Investment.objects.get(application=bid).pk])
    client.get(url)
    with django_assert_num_queries(AWARD_PAGE_QUERIES):
        page = client.get(url).content.decode()
    own, _, partners = page.partition("Partner councils' savings returns")
    assert reverse("savings:return_detail", args=[first_return(bid).pk]) in own
    for name in ("partner", "other"):
        partner_return = first_return(bid, councils[name])
        assert reverse("savings:return_detail", args=[partner_return.pk]) not in own
        assert reverse("savings:return_detail", args=[partner_return.pk]) in partners


AWARD_PAGE_QUERIES = 12
