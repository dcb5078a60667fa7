"""The strands' own records as at a date (issue 23, docs/board.md "As at a
date"): ASCE statistics, Growth's days used and panel, procurement deadlines,
EU milestones and board seats, the councils an award serves, and a council's
list of bids. Each: the same selector as at two dates with facts either side,
a fact changed today that moves today's figures and not a past date's, and
the page as at a past date as a board member reads it."""

from __future__ import annotations

import csv
import html as html_text
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes.models import Council
from savings import rollups

pytestmark = pytest.mark.django_db

JULY = date(2013, 7, 9)


def _text(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    return html_text.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _strand(client, key: str, on: date | None = None) -> str:
    query = f"?as_at={on.isoformat()}" if on else ""
    return _text(client.get(reverse("board:strand", args=[key]) + query))


def _council(client, council: Council, on: date | None = None) -> str:
    query = f"?as_at={on.isoformat()}" if on else ""
    return _text(client.get(reverse("board:council", args=[council.pk]) + query))


def _status(page: str, label: str) -> str:
    found = re.search(rf"{re.escape(label)} (.+?) (?=[A-Z])", page)
    assert found, label
    return found.group(1).strip()


# ASCE: the statistics from the returns reported by the date ----------------------


def test_asce_statistics_are_those_of_the_returns_reported_by_the_date(demo, officer):
    from programmes.asce.selectors import asce_statistics_by_year
    from programmes.asce.services import asce_return_record

    def summary(table) -> dict:
        return {
            (year, measure): (row.council_count, row.mean_percent, row.mode_percent)
            for year, measures in table.items()
            for measure, row in measures.items()
        }

    today = summary(asce_statistics_by_year())
    assert today
    # The demo's returns were reported on 28 June 2013.
    assert summary(asce_statistics_by_year(as_at=date(2013, 6, 27))) == {}
    assert summary(asce_statistics_by_year(as_at=JULY)) == today
    # A return reported today moves today's statistics, not 9 July 2013's.
    council = Council.objects.exclude(asce_returns__financial_year="2012/13").first()
    asce_return_record(
        council=council,
        financial_year="2012/13",
        budget=Decimal("1000000"),
        savings_achieved=Decimal("500000"),
        actor=officer,
    )
    rollups.drain()
    moved = summary(asce_statistics_by_year())
    assert moved[("2012/13", "achieved")][0] == today[("2012/13", "achieved")][0] + 1
    assert summary(asce_statistics_by_year(as_at=JULY)) == today


def test_the_asce_page_as_at_a_date_shows_the_statistics_then(demo, board_client):
    from programmes.asce.selectors import asce_statistics_by_year

    achieved = asce_statistics_by_year()["2012/13"]["achieved"]
    page = _strand(board_client, "asce", JULY)
    assert (
        "Adult social care efficiency savings as a percentage of budget, as at 9 July 2013" in page
    )
    assert f"2012/13 Achieved {achieved.council_count} " in page
    assert f"{achieved.mode_percent}%" in page
    before = _strand(board_client, "asce", date(2013, 6, 1))
    assert "Savings as a percentage of budget" not in before
    assert "0 councils taking part" in before


def test_a_councils_asce_returns_are_those_reported_by_the_date(demo, board_client):
    from programmes.asce.models import AsceReturn

    council = AsceReturn.objects.select_related("council").first().council
    assert "Adult social care efficiency returns" in _council(board_client, council, JULY)
    assert "Adult social care efficiency returns" not in _council(
        board_client, council, date(2013, 6, 1)
    )


# Growth: days worked by the date, the panel on it --------------------------------


def test_growth_days_used_and_the_panel_are_as_at_the_date(demo, officer, board_client):
    from programmes.growth.models import Adviser
    from programmes.growth.selectors import adviser_days_used_total, panel
    from programmes.growth.services import adviser_update

    # The demo's Leeds days: 1.5 on 18 September, 2 on 9 October, 2.5 on 13
    # November 2013; the panel of five joined on 1 August 2013.
    assert adviser_days_used_total(as_at=date(2013, 9, 30)) == Decimal("1.5")
    assert adviser_days_used_total(as_at=date(2013, 12, 1)) == Decimal("6")
    assert panel(as_at=JULY).count() == 0
    assert panel(as_at=date(2013, 9, 10)).count() == 5
    page = _strand(board_client, "growth", date(2013, 9, 30))
    assert "Adviser days used 1.5 of 20 awarded" in page
    assert "Advisers on the panel 5" in page
    assert "Advisers on the panel 0" in _strand(board_client, "growth", JULY)
    # An adviser leaves today: today's panel is one fewer, September 2013's is not.
    leaving = Adviser.objects.filter(matches__isnull=True).first()
    adviser_update(adviser=leaving, data={"active": False}, actor=officer)
    leaving.refresh_from_db()
    assert leaving.left_on == timezone.localdate()
    assert panel().count() == 4
    assert panel(as_at=date(2013, 9, 10)).count() == 5
    assert "Advisers on the panel 4" in _strand(board_client, "growth")
    assert "Advisers on the panel 5" in _strand(board_client, "growth", date(2013, 9, 30))


def test_an_adviser_cannot_leave_the_panel_before_joining_it(db, officer):
    from django.core.exceptions import ValidationError

    from programmes.growth.services import adviser_update, adviser_upsert

    adviser = adviser_upsert(
        actor=officer, name="Sam Example", source="peer", expertise=[], on=date(2024, 5, 1)
    )
    with pytest.raises(ValidationError, match="cannot leave the panel before joining"):
        adviser_update(adviser=adviser, data={"active": False}, actor=officer, on=date(2024, 4, 1))


# Procurement: deadlines recorded by the date, milestones, board seats -------------


def test_eu_milestones_due_after_the_date_are_expected(demo, board_client):
    deal = "Deal on the Procurement and Concessions Directives"
    assert f"{deal} (reached)" in _strand(board_client, "procurement")
    assert f"{deal} (reached)" in _strand(board_client, "procurement", JULY)
    # Before 26 June 2013 the deal was still to come.
    assert f"{deal} (expected)" in _strand(board_client, "procurement", date(2013, 6, 1))
    # A milestone still due reads "due" today and "expected" as at a date.
    vote = "European Parliament plenary vote on the agreed text"
    assert f"{vote} (due)" in _strand(board_client, "procurement")
    assert f"{vote} (expected)" in _strand(board_client, "procurement", JULY)


def test_a_deadline_set_today_is_not_shown_as_at_a_past_date(demo, officer, board_client):
    from programmes.procurement.models import ReportingDeadline, Workstream
    from programmes.procurement.selectors import deadlines_as_at
    from programmes.procurement.services import deadline_set

    recorded = set(deadlines_as_at(JULY).values_list("pk", flat=True))
    assert recorded == set(ReportingDeadline.objects.values_list("pk", flat=True))
    assert not deadlines_as_at(date(2013, 6, 1)).exists()
    deadline_set(
        actor=officer,
        workstream=Workstream.objects.first(),
        report_to="The Example Review Group",
        due_on=date(2031, 3, 1),
    )
    assert "The Example Review Group" in _strand(board_client, "procurement")
    page = _strand(board_client, "procurement", JULY)
    assert "The Example Review Group" not in page
    assert set(deadlines_as_at(JULY).values_list("pk", flat=True)) == recorded


def test_a_deadline_met_after_the_date_is_not_met_as_at_it(demo, officer):
    from programmes.procurement.models import ReportingDeadline
    from programmes.procurement.selectors import deadlines_as_at
    from programmes.procurement.services import workstream_part_save

    deadline = ReportingDeadline.objects.first()
    workstream_part_save(actor=officer, part=deadline, data={"met_on": date(2013, 9, 20)})
    assert deadlines_as_at(JULY).get(pk=deadline.pk).met_then is None
    assert deadlines_as_at(date(2013, 10, 1)).get(pk=deadline.pk).met_then == date(2013, 9, 20)


def test_a_board_seat_taken_today_is_not_on_the_councils_page_as_at_a_past_date(
    demo, officer, board_client
):
    from programmes.procurement.models import BoardMemberKind, Workstream
    from programmes.procurement.services import board_member_add

    council = Council.objects.get(short_name="Leeds")
    assert "Procurement workstreams" not in _council(board_client, council)
    board_member_add(
        actor=officer,
        workstream=Workstream.objects.get(slug="energy"),
        kind=BoardMemberKind.COUNCIL,
        council=council,
    )
    assert "Procurement workstreams Energy" in _council(board_client, council)
    assert "Procurement workstreams" not in _council(board_client, council, JULY)
    # A lead's workstream has no date of its own: listed at every date.
    lead = Workstream.objects.select_related("lead_council").get(slug="energy").lead_council
    assert "Energy (lead)" in _council(board_client, lead, JULY)


# Awards: the councils the awards decided by the date serve ------------------------


def test_the_councils_served_are_those_of_the_awards_decided_by_the_date(demo, board_client):
    # The Growth awards (Leeds, Portsmouth) were decided on 2 September 2013.
    def roles(on: date | None) -> dict[str, str]:
        query = f"?as_at={on.isoformat()}" if on else ""
        url = reverse("board:strand_csv", args=["growth", "councils"]) + query
        rows = list(csv.reader(io.StringIO(board_client.get(url).content.decode("utf-8-sig"))))
        return {row[0]: row[1] for row in rows[1:]}

    served = roles(date(2013, 9, 10))
    assert served["Leeds City Council"] == "Lead"
    assert "Leeds City Council" not in roles(date(2013, 8, 25))
    assert roles(None)["Leeds City Council"] == "Lead"
    # The shares are as at the date too (tests/board/test_as_at_history.py):
    # nothing left to name in the inset.
    page = _strand(board_client, "growth", date(2013, 9, 10))
    assert "each council's share of an award" not in page
    assert "except what has no date of its own" not in page


# A council's bids: sent by the date, in the state they had then -------------------


def test_a_councils_bids_are_listed_as_they_stood_at_the_date(demo, board_client):
    leeds = Council.objects.get(short_name="Leeds")
    title = "Inward investment plan for the city region (illustrative)"
    # Sent on 20 August 2013, approved (12 days) on 2 September 2013.
    before = _council(board_client, leeds, JULY)
    assert title not in before
    assert "Local Economic Growth Advisers" not in before.split("Strands it takes part in")[1][:300]
    sent = _council(board_client, leeds, date(2013, 8, 25))
    row = sent.split(title)[1][:120]
    assert "Approved" not in row and "12 days" not in row
    assert "as at 25 August 2013" in sent
    approved = _council(board_client, leeds, date(2013, 9, 10))
    row = approved.split(title)[1][:120]
    assert "Approved" in row and "12 days" in row


def test_a_bid_sent_today_is_in_todays_list_and_not_a_past_dates(
    experts_call, council_a, applicant_a, board_client, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from applications import services
    from tests.applications.bids import bid_completed

    bid = bid_completed(experts_call, council_a, applicant_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=bid, actor=applicant_a)
    bid.refresh_from_db()
    yesterday = timezone.localdate() - timedelta(days=1)
    assert bid.reference in _council(board_client, council_a)
    page = _council(board_client, council_a, yesterday)
    assert bid.reference not in page
    assert f"No bids had been sent by {yesterday:%-d %B %Y}." in page
    url = reverse("board:council_csv", args=[council_a.pk, "bids"])
    response = board_client.get(f"{url}?as_at={yesterday.isoformat()}")
    assert f"as-at-{yesterday.isoformat()}" in response["Content-Disposition"]
    assert bid.reference not in response.content.decode("utf-8-sig")
    assert bid.reference in board_client.get(url).content.decode("utf-8-sig")


# An earlier day, given in the admin, needs the reason the audit trail keeps -------


def test_an_adviser_joining_earlier_needs_a_reason_which_the_trail_keeps(officer_client):
    from auditlog.models import LogEntry

    from programmes.growth.models import Adviser

    url = reverse("admin:growth_adviser_add")
    form = {"name": "Sam Example", "source": "peer", "active": "on", "joined_on": "2013-08-01"}
    refused = officer_client.post(url, form)
    assert refused.status_code == 200
    assert "Say why the date is earlier than today" in refused.content.decode()
    assert not Adviser.objects.exists()
    reason = "Joined at the panel's recruitment in August 2013; recorded late"
    saved = officer_client.post(url, {**form, "date_reason": reason})
    assert saved.status_code == 302, saved.content
    adviser = Adviser.objects.get()
    assert adviser.joined_on == date(2013, 8, 1)
    entry = LogEntry.objects.get_for_object(adviser).get()
    assert entry.additional_data["reason"] == reason


def test_an_asce_return_reported_earlier_needs_a_reason_which_the_trail_keeps(
    officer_client, strands, council_a
):
    from auditlog.models import LogEntry

    from programmes.asce.models import AsceReturn

    url = reverse("admin:asce_ascereturn_add")
    form = {
        "council": council_a.pk,
        "financial_year": "2012/13",
        "budget": "1000000",
        "savings_achieved": "50000",
        "reported_on": "2013-06-28",
    }
    refused = officer_client.post(url, form)
    assert "Say why the date is earlier than today" in refused.content.decode()
    assert not AsceReturn.objects.exists()
    reason = "Sent to the LGA on 28 June 2013; entered from the paper return"
    saved = officer_client.post(url, {**form, "date_reason": reason})
    assert saved.status_code == 302, saved.content
    asce_return = AsceReturn.objects.get()
    assert asce_return.reported_on == date(2013, 6, 28)
    entry = LogEntry.objects.filter(
        content_type__model="ascereturn", object_pk=str(asce_return.pk)
    ).first()
    assert entry.additional_data["reason"] == reason
