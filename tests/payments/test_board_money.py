"""The board's money page: figures equal sums worked by hand, in a fixed
number of queries, for board members and officers only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes.board import money
from programmes.payments import services
from programmes.payments.models import Funder
from programmes.roles import OFFICER
from savings import rollups
from tests.factories import CouncilFactory, UserFactory
from tests.payments.money import award, budget, claim, commitment_of, grant, this_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(experts_call, growth_call, council_a, council_b, applicant_a, applicant_b, officer):
    """Experts: budget £46,000 (LGA); awards £8,000 (Allerdale) and £5,000 (Wyre
    Forest), of which Allerdale claimed £8,000 in two claims, one paid (£5,000)
    and one approved (£3,000), and Wyre Forest claimed £1,000, sent back.
    Growth: budget £20,000 + £4,000 (Cabinet Office); one award of 14 days at
    £500 = £7,000, support Sept 2013 to Feb 2014; nothing claimed."""
    finance = grant(UserFactory(username="finance", is_staff=True, role=OFFICER), "record_payments")
    budget(experts_call, "46000")
    budget(growth_call, "20000")
    budget(growth_call, "4000", funder=Funder.CABINET_OFFICE)
    allerdale = commitment_of(award(experts_call, council_a, applicant_a, officer, "8000"))
    wyre = commitment_of(award(experts_call, council_b, applicant_b, officer, "5000"))
    other = CouncilFactory(gss_code="E07000163")
    from programmes.roles import APPLICANT

    growth_applicant = UserFactory(username="growth-applicant", council=other, role=APPLICANT)
    award(growth_call, other, growth_applicant, officer, "14")
    paid = services.claim_approve(claim=claim(allerdale, applicant_a, "5000", "A-1"), actor=officer)
    services.claim_pay(claim=paid, actor=finance, paid_on=timezone.localdate(), reference="P-1")
    services.claim_approve(claim=claim(allerdale, applicant_a, "3000", "A-2"), actor=officer)
    services.claim_send_back(
        claim=claim(wyre, applicant_b, "1000", "W-1"), actor=officer, reason="No invoice"
    )
    # Today's figures come from the money rollups: drain, as the worker would.
    rollups.drain()


def test_the_figures_equal_the_sums_worked_by_hand(figures):
    page = money.money_page()
    table = page.tables["money-" + this_year().replace("/", "-")]
    rows = {row[0]: row[1:] for row in table.rows}
    # Budget, committed, claimed, paid, remaining, forecast.
    assert rows["Productivity Experts"] == [
        Decimal("46000"),
        Decimal("13000"),
        Decimal("8000"),
        Decimal("5000"),
        Decimal("33000"),
        # The experts call has no support period: the whole award by year end.
        Decimal("13000"),
    ]
    growth = rows["Local Economic Growth Advisers"]
    assert growth[:5] == [
        Decimal("24000"),
        Decimal("7000"),
        Decimal("0"),
        Decimal("0"),
        Decimal("17000"),
    ]
    assert rows["Whole programme"][:5] == [
        Decimal("70000"),
        Decimal("20000"),
        Decimal("8000"),
        Decimal("5000"),
        Decimal("50000"),
    ]


def test_the_page_shows_the_figures_a_chart_and_its_table(board_client, figures):
    response = board_client.get(reverse("board:money"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "£46,000" in text and "£33,000" in text
    assert "<svg" in text
    assert "Show the data" in text
    assert "Projected £ saved per £1 paid" in text


def test_the_money_page_reads_the_same_number_of_queries_at_any_size(
    board_client, figures, experts_call, council_a, applicant_a, officer
):
    board_client.get(reverse("board:money"))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        board_client.get(reverse("board:money"))
    more = commitment_of(award(experts_call, council_a, applicant_a, officer, "2000"))
    for n in range(5):
        claim(more, applicant_a, "100", f"MORE-{n}")
    rollups.drain()
    with CaptureQueriesContext(connection) as after:
        response = board_client.get(reverse("board:money"))
    assert len(after.captured_queries) == len(before.captured_queries)
    # And the page shows the new award and claims (the drain rolled them up).
    assert response.status_code == 200
    table = money.money_page().tables["money-" + this_year().replace("/", "-")]
    experts = {row[0]: row[1:] for row in table.rows}["Productivity Experts"]
    assert experts[1:3] == [Decimal("15000"), Decimal("8500")]


def test_council_users_do_not_find_the_money_page(applicant_a_client):
    assert applicant_a_client.get(reverse("board:money")).status_code == 404


def test_the_csv_has_the_exact_figures(board_client, figures):
    key = "money-" + this_year().replace("/", "-")
    response = board_client.get(reverse("board:money_csv", args=[key]))
    text = response.content.decode()
    assert "Productivity Experts,46000.00,13000.00,8000.00,5000.00,33000.00" in text


def test_the_papers_financial_implications_are_drafted_from_the_figures(figures):
    from programmes.board.paper import financial_implications

    text = financial_implications(on=timezone.localdate())
    # Drafted from the budgets' funders: here the Cabinet Office funds growth.
    assert (
        "budgets of £70,000 (from the LGA business plan and, for Local Economic Growth "
        "Advisers, the Cabinet Office)" in text
    )
    assert (
        "awards have committed £20,000, councils have claimed £8,000 and £5,000 has been paid"
        in text
    )
    assert "£50,000 is not yet committed" in text


def test_the_figures_as_at_a_day_before_the_awards_hold_only_the_budgets(figures):
    from datetime import timedelta

    from programmes.payments.selectors import money_year

    year = money_year(financial_year=this_year(), on=timezone.localdate() - timedelta(days=1))
    assert (year.programme.budget, year.programme.committed, year.programme.paid) == (
        Decimal("70000"),
        Decimal("0"),
        Decimal("0"),
    )


def test_the_money_page_shows_the_figures_as_at_the_date_in_its_address(board_client, figures):
    """Like the other board pages (`?as_at=`): as at yesterday, before any award
    or claim, only the budgets; its CSV and the back link keep the date; a bad
    date is a message, not a 500."""
    from datetime import timedelta

    yesterday = timezone.localdate() - timedelta(days=1)
    url = reverse("board:money") + f"?as_at={yesterday.isoformat()}"
    page = board_client.get(url).content.decode()
    assert f"Figures as at {yesterday:%-d %B %Y}" in page
    assert "£70,000" in page and "£46,000" in page
    key = "money-" + this_year().replace("/", "-")
    csv_url = reverse("board:money_csv", args=[key]) + f"?as_at={yesterday.isoformat()}"
    assert csv_url in page
    assert f"{reverse('board:overview')}?as_at={yesterday.isoformat()}" in page
    body = board_client.get(csv_url)
    assert f"as-at-{yesterday.isoformat()}" in body["Content-Disposition"]
    assert "Productivity Experts,46000.00,0.00,0.00,0.00,46000.00" in body.content.decode()
    assert "Whole programme,70000.00,0.00,0.00,0.00,70000.00" in body.content.decode()
    # Today's page is unchanged.
    assert "£33,000" in board_client.get(reverse("board:money")).content.decode()
    # The three date fields lead to the address to share; a bad date says why.
    fields = board_client.get(
        reverse("board:money"),
        {"as_at_0": yesterday.day, "as_at_1": yesterday.month, "as_at_2": yesterday.year},
    )
    assert fields["Location"] == url
    bad = board_client.get(reverse("board:money") + "?as_at=2999-01-01")
    assert bad.status_code == 400
    assert "The date must be today or in the past" in bad.content.decode()


def test_the_money_rollups_follow_each_change_and_equal_a_recompute(figures, officer):
    """Reduce an award, withdraw another, send a claim back: after each drain
    the page's figures move, and a recompute from scratch gives the same rows."""
    from programmes.payments.models import Commitment, MoneyRollup

    def experts() -> list[Decimal]:
        table = money.money_page().tables["money-" + this_year().replace("/", "-")]
        return {row[0]: row[1:] for row in table.rows}["Productivity Experts"][1:4]

    def rows() -> list[tuple]:
        return sorted(
            MoneyRollup.objects.values_list(
                "strand_id",
                "council_id",
                "financial_year",
                "call_id",
                "committed",
                "awarded",
                "awards",
                "claimed",
                "paid",
            )
        )

    wyre = Commitment.objects.get(amount=Decimal("5000"))
    services.commitment_reduce(
        commitment=wyre, amount=Decimal("4000"), actor=officer, reason="The council needs less"
    )
    rollups.drain()
    assert experts() == [Decimal("12000"), Decimal("8000"), Decimal("5000")]
    services.commitment_withdraw(commitment=wyre, actor=officer, reason="Council withdrew")
    rollups.drain()
    assert experts() == [Decimal("8000"), Decimal("8000"), Decimal("5000")]
    drained = rows()
    rollups.recompute_all()
    assert rows() == drained
    MoneyRollup.objects.all().delete()
    rollups.recompute_all()
    assert rows() == drained


def test_as_at_a_date_a_claim_sent_back_after_it_still_counts_as_claimed(
    experts_call, council_a, applicant_a, officer
):
    """Sent on day 5 before today, sent back on day 2 before: as at day 3 it
    was claimed, as at yesterday it was not."""
    from datetime import timedelta

    from programmes.payments.models import Commitment
    from programmes.payments.selectors import money_year

    now = timezone.now()
    commitment = commitment_of(award(experts_call, council_a, applicant_a, officer, "8000"))
    Commitment.objects.filter(pk=commitment.pk).update(committed_at=now - timedelta(days=10))
    sent = claim(commitment, applicant_a, "3000", "A-1", at=now - timedelta(days=5))
    claim(commitment, applicant_a, "1000", "A-2", at=now - timedelta(days=5))
    services.claim_send_back(
        claim=sent, actor=officer, reason="No invoice", at=now - timedelta(days=2)
    )
    year = this_year()

    def claimed(days_ago: int) -> Decimal:
        day = timezone.localdate() - timedelta(days=days_ago)
        return money_year(financial_year=year, on=day).programme.claimed

    assert claimed(6) == Decimal("0")
    assert claimed(3) == Decimal("4000")
    assert claimed(1) == Decimal("1000")


def test_the_financial_implications_name_only_the_funders_of_the_years_budgets(experts_call):
    from programmes.board.paper import financial_implications

    budget(experts_call, "46000")
    text = financial_implications(on=timezone.localdate())
    assert "(from the LGA business plan)" in text
    assert "Cabinet Office" not in text
    budget(experts_call, "10000", funder=Funder.CABINET_OFFICE)
    text = financial_implications(on=timezone.localdate())
    assert "(from the LGA business plan and the Cabinet Office)" in text
