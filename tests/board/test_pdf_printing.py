"""The board update's PDF is printed by the worker, never in the web request,
and kept per paper until the figures change."""

from datetime import date

import pytest
from django.urls import reverse

from programmes.board import paper, printing
from programmes.board.tasks import board_paper_print
from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import InvestmentSource
from savings.services import investment_record

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% printed by the worker\n%%EOF\n"
URL = reverse("board:update_pdf")


@pytest.fixture
def worker_queue(settings, monkeypatch):
    """As production runs: a broker, so tasks are queued for a worker, not run here."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued: list[str] = []
    monkeypatch.setattr(board_paper_print, "delay", lambda as_at: queued.append(as_at))

    def no_browser_in_the_request(html):
        raise AssertionError("the web request started a browser")

    monkeypatch.setattr(paper, "pdf_from_html", no_browser_in_the_request)
    return queued


def test_the_first_request_queues_the_print_and_says_it_is_being_prepared(
    board_client, worker_queue, monkeypatch
):
    response = board_client.get(URL, {"date": "2013-07-17"})
    assert response.status_code == 202
    assert response["Retry-After"] == "5"
    assert "Your PDF is being prepared" in response.content.decode()
    assert worker_queue == ["2013-07-17"]
    # Asking again while it is queued does not queue it twice.
    board_client.get(URL, {"date": "2013-07-17"})
    assert worker_queue == ["2013-07-17"]

    monkeypatch.setattr(paper, "pdf_from_html", lambda html: PDF)
    assert board_paper_print("2013-07-17") == "ready"  # what the worker runs
    response = board_client.get(URL, {"date": "2013-07-17"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "productivity-programme-update-2013-07-17.pdf" in response["Content-Disposition"]
    assert worker_queue == ["2013-07-17"]


def test_new_figures_make_a_new_pdf(board_client, worker_queue, monkeypatch, strands, council_a):
    monkeypatch.setattr(paper, "pdf_from_html", lambda html: PDF)
    board_paper_print("2013-07-17")
    before = printing.paper_name(date(2013, 7, 17))
    investment_record(
        actor=SYSTEM,
        strand=strands["experts"],
        council=council_a,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2013/14",
        amount=1000,
    )
    rollups.drain()
    assert printing.paper_name(date(2013, 7, 17)) != before
    assert board_client.get(URL, {"date": "2013-07-17"}).status_code == 202


def test_a_print_that_fails_says_why_once_and_is_tried_again(
    board_client, worker_queue, monkeypatch
):
    def missing(html):
        raise paper.PdfUnavailable("Chromium is not installed at /usr/bin/chromium")

    board_client.get(URL, {"date": "2013-07-17"})
    monkeypatch.setattr(paper, "pdf_from_html", missing)
    assert board_paper_print("2013-07-17") == "failed"
    response = board_client.get(URL, {"date": "2013-07-17"})
    assert response.status_code == 503
    assert "Chromium is not installed" in response.content.decode()
    assert board_client.get(URL, {"date": "2013-07-17"}).status_code == 202
    assert len(worker_queue) == 2
