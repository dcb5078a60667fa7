"""Figures as at any date (issue 23): every fact has the date it took effect,
the board's figures are as at the date asked for (`?as_at=`), and a paper's
figures are as at its figures date. docs/board.md, "As at a date"."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes.board.models import BoardPaper, PaperState
from programmes.board.paper import paper_view
from programmes.board.services import paper_create, paper_publish
from programmes.models import Council, Strand
from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import Investment, InvestmentSource, SavingsEntry, SavingsKind
from savings.selectors import Figures
from savings.services import investment_record, savings_entry_record

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{re.escape(name)}"[^>]*>([^<]*)<', page)
    assert found, name
    return found.group(1).strip()


def _invest(strand, council, amount: str, on: date) -> None:
    investment_record(
        actor=SYSTEM,
        strand=strand,
        council=council,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2013/14",
        amount=Decimal(amount),
        awarded_on=on,
    )


def _save(strand, council, kind: str, amount: str, on: date, verified: date | None = None):
    return savings_entry_record(
        actor=SYSTEM,
        strand=strand,
        council=council,
        financial_year="2013/14",
        kind=kind,
        amount=Decimal(amount),
        reported_on=on,
        verified=verified is not None,
        verified_at=(datetime(verified.year, verified.month, verified.day, 9, tzinfo=UTC))
        if verified
        else None,
    )


@pytest.fixture
def dated_facts(strands, council_a, council_b):
    """Facts on either side of 31 March 2013 and of 30 June 2013."""
    experts = strands["experts"]
    _invest(experts, council_a, "1000", date(2013, 1, 10))
    _invest(experts, council_b, "500", date(2013, 6, 1))
    _save(experts, council_a, SavingsKind.PROJECTED, "10000", date(2013, 1, 5))
    _save(experts, council_b, SavingsKind.PROJECTED, "5000", date(2013, 6, 10))
    _save(experts, council_a, SavingsKind.TARGET, "400", date(2013, 2, 1))
    # Reported in February, verified in March: realised by 31 March.
    _save(experts, council_a, SavingsKind.REALISED, "200", date(2013, 2, 1), date(2013, 3, 1))
    # Reported in May, verified in July: awaiting verification on 30 June.
    _save(experts, council_a, SavingsKind.REALISED, "300", date(2013, 5, 1), date(2013, 7, 1))
    rollups.drain()
    return experts


def test_the_same_figures_as_at_two_dates_count_only_the_facts_dated_by_each(
    dated_facts, council_a, council_b
):
    experts = dated_facts
    march = Figures(as_at=date(2013, 3, 31)).total()
    assert (march.investment, march.projected, march.target) == (1000, 10000, 400)
    assert (march.realised, march.realised_unverified, march.council_count) == (200, 0, 1)
    assert march.projected_roi == Decimal("10.00")

    june = Figures(as_at=date(2013, 6, 30)).total()
    assert (june.investment, june.projected, june.realised, june.realised_unverified) == (
        1500,
        15000,
        200,
        300,
    )
    assert june.council_count == 2

    # The same by strand, by council and by year; the targets compared.
    assert [row.investment for row in Figures(as_at=date(2013, 3, 31)).by_strand()] == [1000]
    by_council = Figures(as_at=date(2013, 6, 30), strand=experts).by_council()
    assert {row.council_id: row.projected for row in by_council} == {
        council_a.pk: 10000,
        council_b.pk: 5000,
    }
    assert Figures(as_at=date(2013, 6, 30), council=council_b).total().investment == 500
    assert [row.financial_year for row in Figures(as_at=date(2013, 6, 30)).by_year()] == ["2013/14"]
    targets = Figures(as_at=date(2013, 7, 31)).targets()
    assert (targets.with_target, targets.realised, targets.target) == (1, 500, 400)
    # Before any fact: nothing; today: what the rollups say.
    assert Figures(as_at=date(2012, 12, 31)).total().investment == 0
    now, today = Figures().total(), Figures(as_at=timezone.localdate()).total()
    assert (now.investment, now.projected, now.realised) == (
        today.investment,
        today.projected,
        today.realised,
    )
    assert now.realised == 500


def test_board_pages_show_the_figures_as_at_the_date_in_their_address(
    dated_facts, council_a, board_client
):
    march = board_client.get(reverse("board:overview") + "?as_at=2013-03-31")
    page = march.content.decode()
    assert "Figures as at 31 March 2013" in _text(page)
    assert _figure(page, "programme-invested") == "£1,000"
    assert _figure(page, "programme-unverified") == "£0"
    assert _figure(page, "experts-projected") == "£10,000"
    # Links keep the date: the strand's card, the CSVs.
    assert "/board/strands/experts/?as_at=2013-03-31" in page
    assert "/board/data/strands.csv?as_at=2013-03-31" in page

    strand = board_client.get(reverse("board:strand", args=["experts"]) + "?as_at=2013-06-30")
    strand_page = strand.content.decode()
    assert _figure(strand_page, "experts-invested") == "£1,500"
    assert _figure(strand_page, "experts-unverified") == "£300"
    assert "as at 30 June 2013" in strand_page

    council = board_client.get(
        reverse("board:council", args=[council_a.pk]) + "?as_at=2013-03-31"
    ).content.decode()
    key = f"council-{council_a.gss_code}"
    assert _figure(council, f"{key}-realised") == "£200"

    body = board_client.get(reverse("board:overview_csv", args=["strands"]) + "?as_at=2013-03-31")
    assert "as-at-2013-03-31" in body["Content-Disposition"]
    rows = {row[0]: row for row in csv.reader(io.StringIO(body.content.decode("utf-8-sig")))}
    assert rows["Productivity Experts"][1] == "1000.00"

    # Without a date: today's figures, as before.
    today = board_client.get(reverse("board:overview")).content.decode()
    assert _figure(today, "programme-invested") == "£1,500"


def test_a_fact_changed_today_moves_todays_figures_and_not_a_past_dates(
    dated_facts, council_a, board_client
):
    url = reverse("board:strand", args=["experts"])
    past = _figure(
        board_client.get(url + "?as_at=2013-06-30").content.decode(), "experts-projected"
    )
    _save(dated_facts, council_a, SavingsKind.PROJECTED, "7000", timezone.localdate())
    rollups.drain()
    assert _figure(board_client.get(url).content.decode(), "experts-projected") == "£22,000"
    assert (
        _figure(board_client.get(url + "?as_at=2013-06-30").content.decode(), "experts-projected")
        == past
        == "£15,000"
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?as_at=2013-02-31", "Enter a real date, for example 9 7 2013"),
        ("?as_at_0=31&as_at_1=2&as_at_2=2013", "Enter a real date, for example 9 7 2013"),
        ("?as_at=yesterday", "Enter the date to show the figures as at, for example 9 7 2013"),
        ("?as_at_0=9&as_at_1=&as_at_2=2013", "Enter the month of the date"),
        ("?as_at=2999-01-01", "The date must be today or in the past"),
    ],
)
def test_a_bad_as_at_date_gives_a_message_not_a_500(strands, board_client, query, message):
    for url in (
        reverse("board:overview"),
        reverse("board:strand", args=["experts"]),
        reverse("board:councils"),
    ):
        response = board_client.get(url + query)
        assert response.status_code == 400
        page = _text(response.content.decode())
        assert "There is a problem" in page
        assert message in page
        # The form asks again by GET: no token to leak into a shared address.
        form = response.content.decode().split('<form method="get"')[1].split("</form>")[0]
        assert "csrfmiddlewaretoken" not in form
    csv_response = board_client.get(reverse("board:overview_csv", args=["strands"]) + query)
    assert csv_response.status_code == 404


def test_the_date_fields_lead_to_the_address_to_share(strands, board_client):
    response = board_client.get(reverse("board:overview") + "?as_at_0=9&as_at_1=July&as_at_2=2013")
    assert response.status_code == 302
    assert response["Location"] == reverse("board:overview") + "?as_at=2013-07-09"


def test_a_paper_is_drafted_and_published_as_at_its_figures_date(dated_facts, officer_client):
    paper = paper_create(actor=SYSTEM, meeting_date=date(2013, 7, 8), contact_name="Robin Example")
    # No date chosen: the paper's deadline, 8 days before the meeting.
    assert paper.figures_as_at == date(2013, 6, 30)
    draft = officer_client.get(reverse("board:paper", args=[paper.pk])).content.decode()
    assert "Figures as at 30 June 2013" in draft
    published = paper_publish(paper=paper, actor=SYSTEM)
    figures = published.snapshot["figures"]
    assert published.snapshot["figures_date"] == "2013-06-30"
    assert (figures["programme"]["invested"], figures["programme"]["unverified"]) == (
        "1500.00",
        "300.00",
    )
    # The next paper, as at its own date, says only what happened in between.
    second = paper_create(
        actor=SYSTEM,
        meeting_date=date(2013, 9, 18),
        figures_date=date(2013, 7, 31),
        contact_name="Robin Example",
    )
    since = next(s for s in paper_view(second).content["sections"] if s["key"] == "since")
    assert since["paragraphs"] == [
        "Across the programme: realised savings (verified) up £300 to £500 and savings "
        "reported and awaiting verification down £300 to £0.",
        "Productivity Experts: realised savings (verified) up £300 to £500 and savings "
        "reported and awaiting verification down £300 to £0.",
    ]


# The demo, read against the source paper ---------------------------------------


def test_no_demo_fact_of_2012_to_2014_is_dated_the_day_the_demo_was_loaded(demo):
    today = timezone.localdate()
    assert not Investment.objects.filter(awarded_on=today).exists()
    # Only the returns the demo sends "today" (awaiting verification, sent
    # back, withdrawn) are today's; every other saving has its historical date.
    todays = SavingsEntry.objects.filter(reported_on=today)
    assert all(entry.savings_return_id for entry in todays)
    assert not SavingsEntry.objects.filter(verified_at__date=today).exists()
    allerdale = SavingsEntry.objects.get(
        council__short_name="Allerdale", kind=SavingsKind.REALISED, amount=Decimal("2300000")
    )
    camden = SavingsEntry.objects.get(council__short_name="Camden", kind=SavingsKind.REALISED)
    for entry in (allerdale, camden):
        assert entry.verified_at is not None and entry.verified_at.year == 2013
        assert entry.reported_on.year == 2013
    # The Growth Adviser days: £10,000 awarded on 2 September 2013.
    growth = Investment.objects.filter(strand__key="growth")
    assert sum(award.amount for award in growth) == Decimal("10000")
    assert {award.awarded_on for award in growth} == {date(2013, 9, 2)}


def test_the_july_2013_paper_counts_no_fact_dated_after_its_figures_date(demo):
    paper = BoardPaper.objects.get(meeting_date=date(2013, 7, 17), state=PaperState.PUBLISHED)
    assert paper.snapshot["figures_date"] == "2013-07-09"
    figures = paper.snapshot["figures"]
    # The £10,000 of Growth Adviser days awarded on 2 September 2013 are not in it.
    assert figures["strands"]["growth"]["invested"] == "0.00"
    counted = sum(
        Investment.objects.filter(awarded_on__lte=date(2013, 7, 9)).values_list("amount", flat=True)
    )
    assert Decimal(figures["programme"]["invested"]) == counted
    assert not Investment.objects.filter(
        awarded_on__gt=date(2013, 7, 9), amount__in=[Decimal(figures["programme"]["invested"])]
    ).exists()
    assert figures["programme"]["realised"] == "2550000.00"
    assert figures["strands"]["experts"]["invested"] == "46000.00"


def test_the_september_draft_lists_only_what_happened_between_the_two_dates(demo):
    draft = BoardPaper.objects.get(meeting_date=date(2013, 9, 18))
    view = paper_view(draft)
    assert view.figures_date == date(2013, 9, 10)
    since = next(s for s in view.content["sections"] if s["key"] == "since")
    text = " ".join(since["paragraphs"])
    assert since["heading"] == "Since the last paper (17 July 2013)"
    # The Growth days awarded on 2 September 2013 are new since July.
    assert "Local Economic Growth Advisers: invested up £10,000 to £10,000" in text
    # Nothing recorded at load time (the returns the demo sends today) is in it.
    assert "awaiting verification" not in text
    # A fact recorded today moves neither the draft nor its "since".
    wyre = Council.objects.get(short_name="Wyre Forest")
    _invest(Strand.objects.get(key="experts"), wyre, "99000", timezone.localdate())
    rollups.drain()
    again = next(s for s in paper_view(draft).content["sections"] if s["key"] == "since")
    assert again == since


def test_the_demo_as_at_today_reads_what_the_rollups_say(demo):
    """The facts summed as at today agree with the worker's rollups, for the
    programme, each strand and each council: one definition, two ways."""
    today = timezone.localdate()
    fields = ("investment", "projected", "target", "realised", "realised_unverified")
    scopes = [{}]
    scopes += [{"strand": strand} for strand in Strand.objects.all()]
    scopes += [{"council": council} for council in Council.objects.filter(savings__isnull=False)]
    for scope in scopes:
        now, then = Figures(**scope), Figures(as_at=today, **scope)
        for a, b in zip(
            now.by_year() + [now.total()], then.by_year() + [then.total()], strict=True
        ):
            assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields], scope
        assert now.targets() == then.targets(), scope
        if "council" not in scope:
            assert [(row.council_id, row.projected) for row in now.by_council()] == [
                (row.council_id, row.projected) for row in then.by_council()
            ]
        if "strand" not in scope:
            assert [(row.strand_id, row.realised) for row in now.by_strand()] == [
                (row.strand_id, row.realised) for row in then.by_strand()
            ]


def test_bids_are_counted_in_the_state_they_had_reached_by_the_date(demo, board_client):
    def growth(query: str) -> dict[str, str]:
        url = reverse("board:overview_csv", args=["bids_by_state"]) + query
        rows = list(csv.reader(io.StringIO(board_client.get(url).content.decode("utf-8-sig"))))
        header = rows[0]
        found = [row for row in rows if row[0] == "Local Economic Growth Advisers"]
        return dict(zip(header, found[0], strict=True)) if found else {}

    # The 2013 round's two bids were sent on 20 August and approved on 2 September 2013.
    assert growth("?as_at=2013-07-09") == {}
    assert growth("?as_at=2013-08-25")["Approved"] == "0"
    assert growth("?as_at=2013-09-10")["Approved"] == "2"


def test_a_workstreams_status_is_read_as_at_the_date(demo, officer, board_client):
    from programmes.procurement.models import Activity
    from programmes.procurement.selectors import (
        workstreams_with_status,
        workstreams_with_status_as_at,
    )
    from programmes.procurement.services import workstream_part_save

    def counts(workstreams) -> dict[str, tuple[int, int, int]]:
        return {w.slug: (w.red, w.amber, w.green) for w in workstreams}

    today = counts(workstreams_with_status())
    assert counts(workstreams_with_status_as_at(as_at=date(2013, 7, 9))) == today
    assert set(counts(workstreams_with_status_as_at(as_at=date(2013, 6, 1))).values()) == {
        (0, 0, 0)
    }
    # An activity turns red today: today's counts move, 9 July 2013's do not.
    activity = Activity.objects.exclude(status="red").select_related("workstream").first()
    workstream_part_save(actor=officer, part=activity, data={"status": "red"})
    assert counts(workstreams_with_status()) != today
    assert counts(workstreams_with_status_as_at(as_at=date(2013, 7, 9))) == today
    page = board_client.get(reverse("board:strand", args=["procurement"]) + "?as_at=2013-07-09")
    assert page.status_code == 200
