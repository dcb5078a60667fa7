"""The pages say when the figures were computed and warn when the outbox is behind."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from savings.models import OutboxMarker, Rollup

WARNING = "are not in these figures yet"


def test_the_overview_says_when_the_figures_were_computed(board_client, strands):
    Rollup.objects.create(
        scope_key="*:*:*",
        investment=Decimal("46000"),
        computed_at=datetime(2026, 11, 25, 14, 2, tzinfo=ZoneInfo("Europe/London")),
    )
    page = board_client.get(reverse("board:overview")).content.decode()
    assert "Figures as at 14:02, 25 November 2026" in page
    assert "£46,000" in page


def test_work_waiting_more_than_five_minutes_shows_a_warning(board_client, strands, council_a):
    marker = OutboxMarker.objects.create(
        strand=strands["experts"],
        council=council_a,
        financial_year="2013/14",
        marked_at=timezone.now() - timedelta(minutes=1),
    )
    assert WARNING not in board_client.get(reverse("board:overview")).content.decode()
    marker.marked_at = timezone.now() - timedelta(minutes=6)
    marker.save()
    page = board_client.get(reverse("board:overview")).content.decode()
    assert WARNING in page
    assert "govuk-warning-text" in page


def test_a_table_downloads_as_csv_with_a_byte_order_mark(board_client, strands):
    Rollup.objects.create(
        scope_key=f"{strands['experts'].pk}:*:*",
        strand=strands["experts"],
        investment=Decimal("46000"),
        projected=Decimal("25615000"),
        computed_at=timezone.now(),
    )
    response = board_client.get(reverse("board:overview_csv", args=["strands"]))
    body = response.content.decode("utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith("\ufeffStrand,Invested,Savings target,Projected savings")
    # Exact values, always to the penny: 0.00 beside 0.00, never 0; a target
    # nobody set is "None set", never 0.00 (issue 23).
    assert "Productivity Experts,46000.00,None set,25615000.00,0.00,,," in body
    assert ",0," not in body.replace(",0\r\n", "")


def test_the_pages_say_amounts_are_rounded_to_the_pound(board_client, strands):
    Rollup.objects.create(
        scope_key="*:*:*", investment=Decimal("1000.50"), computed_at=timezone.now()
    )
    page = board_client.get(reverse("board:overview")).content.decode()
    assert "£1,001" in page
    assert "Amounts are rounded to the nearest pound" in page
