"""The board pages in headless Chromium: no WCAG 2.2 A/AA violations; the PDF prints."""

import pytest
from django.urls import reverse

from programmes.board.tasks import board_paper_print
from programmes.models import Council
from programmes.roles import BOARD_MEMBER
from tests.browser import accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.factories import UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_board_pages_have_no_accessibility_violations(live_server, page, demo_committed):
    UserFactory(username="board-reader", role=BOARD_MEMBER)
    allerdale = Council.objects.get(short_name="Allerdale")
    pages = [
        reverse("board:overview"),
        reverse("board:strand", args=["asce"]),
        reverse("board:council", args=[allerdale.pk]),
        reverse("board:update"),
    ]
    sign_in(page, live_server.url, "board-reader", PASSWORD)
    for path in pages:
        page.goto(live_server.url + path)
        # Open every "Show the data" so the tables are checked too.
        for summary in page.locator("summary").all():
            summary.click()
        assert accessibility_violations(page) == [], path


@pytest.mark.browser
def test_the_board_update_downloads_as_a_pdf(board_client, strands):
    response = board_client.get(reverse("board:update_pdf"), {"date": "2013-07-17"})
    if response.status_code == 202:
        # With a broker (CI) the print is queued: do what the worker does.
        board_paper_print("2013-07-17")
        response = board_client.get(reverse("board:update_pdf"), {"date": "2013-07-17"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert (
        'filename="productivity-programme-update-2013-07-17.pdf"' in response["Content-Disposition"]
    )
