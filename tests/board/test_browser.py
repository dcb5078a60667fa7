"""The board pages in headless Chromium: no WCAG 2.2 A/AA violations; an
officer drafts and publishes a paper in the admin and a board member reads it
as published; its PDF is tagged, titled and in English."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from programmes.board import printing
from programmes.board.models import BoardPaper, PaperState
from programmes.board.services import paper_create, paper_publish
from programmes.board.tasks import board_paper_print
from programmes.documents import private_storage
from programmes.models import Council
from programmes.permissions import SYSTEM
from programmes.roles import BOARD_MEMBER
from tests.browser import accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.factories import UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_board_pages_have_no_accessibility_violations(live_server, page, demo_committed):
    UserFactory(username="board-reader", role=BOARD_MEMBER)
    allerdale = Council.objects.get(short_name="Allerdale")
    published = BoardPaper.objects.get(state=PaperState.PUBLISHED)
    pages = [
        reverse("board:overview"),
        reverse("board:strand", args=["asce"]),
        reverse("board:council", args=[allerdale.pk]),
        reverse("board:papers"),
        reverse("board:paper", args=[published.pk]),
        # As at a date, and a date with an error (the summary and the message).
        reverse("board:strand", args=["procurement"]) + "?as_at=2013-07-09",
        reverse("board:overview") + "?as_at=2013-02-31",
    ]
    sign_in(page, live_server.url, "board-reader", PASSWORD)
    for path in pages:
        page.goto(live_server.url + path)
        # Open every "Show the data" so the tables are checked too.
        for summary in page.locator("summary").all():
            summary.click()
        assert accessibility_violations(page) == [], path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officer_drafts_and_publishes_and_the_board_reads_it(
    live_server, page, officer, board_member, strands
):
    base = live_server.url
    sign_in(page, base, "officer", PASSWORD)
    page.goto(f"{base}/admin/board/boardpaper/add/")
    page.get_by_label("Day").fill("18")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("2013")
    page.get_by_role("textbox", name="Contact officer").fill("Robin Example")
    page.get_by_role("textbox", name="Risks").fill(
        "The Cabinet Office resource for the pilots is limited."
    )
    page.get_by_role("button", name="Save and continue editing").click()
    page.get_by_text("The paper as the board will read it").wait_for()
    assert "Figures as at" in page.content()

    page.get_by_role("link", name="Preview the draft as the board will read it").click()
    page.get_by_text("Draft, not published").wait_for()
    assert "The Cabinet Office resource for the pilots is limited." in page.content()
    page.go_back()
    page.get_by_role("link", name="Publish the paper").click()
    page.get_by_role("button", name="Publish the paper").click()
    page.get_by_text("published. Its figures are kept").wait_for()
    assert "Save" not in page.locator(".submit-row").all_inner_texts()

    page.context.clear_cookies()
    sign_in(page, base, "board", PASSWORD)
    page.goto(f"{base}/board/papers/")
    page.get_by_role("link", name="Productivity Programme Update, Improvement and").click()
    page.get_by_text("exactly as published").wait_for()
    assert "Risks and issues" in page.content()
    assert accessibility_violations(page) == []


@pytest.mark.browser
def test_the_published_paper_prints_once_as_a_tagged_pdf(board_client, strands, settings):
    draft = paper_create(actor=SYSTEM, meeting_date="2013-07-17", contact_name="Robin Example")
    published = paper_publish(paper=draft, actor=SYSTEM)
    url = reverse("board:paper_pdf", args=[published.pk])
    response = board_client.get(url)
    if response.status_code == 202:
        # With a broker (CI) the print is queued: do what the worker does.
        board_paper_print(published.pk)
        response = board_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert (
        'filename="productivity-programme-update-2013-07-17.pdf"'
        in (response["Content-Disposition"])
    )
    reader = PdfReader(io.BytesIO(body))
    catalog = reader.trailer["/Root"]
    # Tagged: a structure tree a screen reader follows, headings and lists in it.
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert str(catalog["/Lang"]).startswith("en")
    # The title names the service and the paper (issue 23).
    assert reader.metadata.title == (
        "Productivity Programme portal – Board paper 17 July 2013: Productivity Programme Update"
    )
    assert "/Outlines" in catalog  # the headings as bookmarks
    tags = _structure_tags(catalog["/StructTreeRoot"])
    assert {"/H1", "/H2", "/L", "/LI"} <= tags, tags
    assert "Background" in reader.pages[0].extract_text() + reader.pages[1].extract_text()
    # Kept: printed once, the same file ever after.
    published.refresh_from_db()
    assert private_storage().exists(published.pdf)
    assert printing.paper_print(published.pk) == "ready"


def _structure_tags(node, depth: int = 0) -> set[str]:
    tags: set[str] = set()
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, dict):
        if "/S" in node:
            tags.add(str(node["/S"]))
        if "/K" in node and depth < 60:
            tags |= _structure_tags(node["/K"], depth + 1)
    elif isinstance(node, list):
        for child in node:
            tags |= _structure_tags(child, depth + 1)
    return tags
