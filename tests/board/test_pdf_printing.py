"""A published paper's PDF is printed by the worker, never in the web request,
once, from the paper as published; a draft has none."""

import pytest
from django.urls import reverse

from programmes import printing as printer
from programmes.board import printing
from programmes.board.services import paper_create, paper_publish
from programmes.board.tasks import board_paper_print
from programmes.permissions import SYSTEM

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% printed by the worker\n%%EOF\n"


@pytest.fixture
def worker_queue(settings, monkeypatch):
    """As production runs: a broker, so tasks are queued for a worker, not run here."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued: list[int] = []
    monkeypatch.setattr(board_paper_print, "delay", lambda pk: queued.append(pk))

    def no_browser_in_the_request(html, **margins):
        raise AssertionError("the web request started a browser")

    monkeypatch.setattr(printer, "pdf_from_html", no_browser_in_the_request)
    return queued


@pytest.fixture
def published(strands, django_capture_on_commit_callbacks):
    draft = paper_create(actor=SYSTEM, meeting_date="2013-07-17", contact_name="Robin Example")
    with django_capture_on_commit_callbacks(execute=True):
        return paper_publish(paper=draft, actor=SYSTEM)


def test_publishing_queues_the_print_and_the_worker_prints_it_once(
    board_client, worker_queue, published, monkeypatch
):
    url = reverse("board:paper_pdf", args=[published.pk])
    assert worker_queue == [published.pk]  # queued when published
    response = board_client.get(url)
    assert response.status_code == 202
    assert response["Retry-After"] == "5"
    assert "Your PDF is being prepared" in response.content.decode()
    # Asking again while it is queued does not queue it twice.
    board_client.get(url)
    assert worker_queue == [published.pk, published.pk]

    printed: list[str] = []
    monkeypatch.setattr(
        printer, "pdf_from_html", lambda html, **margins: printed.append(html) or PDF
    )
    assert board_paper_print(published.pk) == "ready"  # what the worker runs
    assert board_paper_print(published.pk) == "ready"
    assert len(printed) == 1  # printed once, kept
    response = board_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "productivity-programme-update-2013-07-17.pdf" in response["Content-Disposition"]


def test_a_draft_has_no_pdf(board_client, officer_client, strands):
    draft = paper_create(actor=SYSTEM, meeting_date="2013-09-18", contact_name="Robin Example")
    assert officer_client.get(reverse("board:paper_pdf", args=[draft.pk])).status_code == 404
    assert board_paper_print(draft.pk) == "no such paper"


def test_a_print_that_fails_says_why_once_and_is_tried_again(
    board_client, worker_queue, published, monkeypatch
):
    def missing(html, **margins):
        raise printer.PdfUnavailable("Chromium is not installed at /usr/bin/chromium")

    url = reverse("board:paper_pdf", args=[published.pk])
    monkeypatch.setattr(printer, "pdf_from_html", missing)
    assert board_paper_print(published.pk) == "failed"
    response = board_client.get(url)
    assert response.status_code == 503
    assert "Chromium is not installed" in response.content.decode()
    assert board_client.get(url).status_code == 202
    assert worker_queue == [published.pk, published.pk]
    assert printing.paper_pdf_state(published).state == "preparing"
