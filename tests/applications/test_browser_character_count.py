"""The character count under a long answer agrees with the server, in
headless Chromium: a line break is one character and an emoji is one, on the
page as when the answer is saved (issue 27)."""

import pytest

from applications import services
from tests.browser import sign_in
from tests.conftest import PASSWORD

LIMIT = 5000
PARAGRAPHS = ("Our council wants help renegotiating its waste contract. " * 90)[:499]
THUMBS_UP = "\U0001f44d\U0001f3fd"  # one emoji: a thumb and a skin tone


def answer(page, text: str) -> str:
    """Type the answer into "What the expert will do" and read the counter."""
    box = page.get_by_label("What the expert will do")
    box.fill(text)
    box.dispatch_event("input")
    return page.locator(".govuk-character-count__status").inner_text()


def save(page) -> str:
    page.get_by_role("button", name="Save and come back later").click()
    page.wait_for_load_state()
    return page.content()


@pytest.fixture
def expertise_page(live_server, page, strands, experts_call, council_a, applicant_a):
    application = services.application_create(
        call=experts_call, council=council_a, actor=applicant_a
    )
    sign_in(page, live_server.url, "applicant-a", PASSWORD)
    url = f"{live_server.url}/bids/{application.reference}/questions/expertise/"
    page.goto(url)
    return url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ten_paragraphs_just_under_the_limit_are_counted_and_saved_alike(page, expertise_page):
    # Ten paragraphs of 499 characters and the ten line breaks after them:
    # 4,990 + 10 = 5,000 characters as a person counts them.
    text = "\n".join([PARAGRAPHS] * 10) + "\n"
    assert len(text) == LIMIT
    assert answer(page, text[:-5]) == "You have 5 characters remaining"
    assert "must be 5,000 characters or fewer" not in save(page)
    assert "Your answers are saved" in page.content()

    page.goto(expertise_page)
    assert page.get_by_label("What the expert will do").input_value() == text[:-5]
    assert answer(page, text) == "You have 0 characters remaining"
    assert "must be 5,000 characters or fewer" not in save(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_emoji_count_as_one_character_on_the_page_and_on_the_server(page, expertise_page):
    at_limit = "a" * (LIMIT - 100) + THUMBS_UP * 100
    assert answer(page, at_limit) == "You have 0 characters remaining"
    assert "must be 5,000 characters or fewer" not in save(page)

    page.goto(expertise_page)
    assert answer(page, at_limit + THUMBS_UP) == "You have 1 character too many"
    assert "What the expert will do must be 5,000 characters or fewer" in save(page)
