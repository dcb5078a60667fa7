"""A save over an out-of-date page says who changed the bid: the same person
in another tab is not "someone else at your council" (issue 27, item 9)."""

import pytest
from django.test import Client

from applications import services
from tests.factories import UserFactory


def _open_and_save(client, bid, title: str, version: int):
    return client.post(
        f"/bids/{bid.reference}/questions/about/",
        {"title": title, "summary": "Typed", "version": version, "continue": ""},
    )


@pytest.mark.django_db
def test_the_same_person_in_two_tabs_is_told_it_was_them(
    applicant_a_client, experts_call, council_a, applicant_a
):
    bid = services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    opened = bid.version  # both tabs opened the page at this version
    assert _open_and_save(applicant_a_client, bid, "First tab", opened).status_code == 302
    page = _open_and_save(applicant_a_client, bid, "Second tab", opened).content.decode()
    assert "You changed this bid in another tab or window after you opened this page" in page
    assert "Someone else" not in page


@pytest.mark.django_db
def test_a_colleague_who_saved_first_is_named(
    applicant_a_client, experts_call, council_a, applicant_a
):
    colleague = UserFactory(
        username="colleague-a",
        first_name="Kit",
        last_name="Colleague",
        council=council_a,
        role=applicant_a.groups.first().name,
    )
    bid = services.application_create(call=experts_call, council=council_a, actor=applicant_a)
    opened = bid.version
    client = Client()  # the colleague's own browser
    client.force_login(colleague)
    assert _open_and_save(client, bid, "Kit's title", opened).status_code == 302
    page = _open_and_save(applicant_a_client, bid, "Mine", opened).content.decode()
    assert f"{colleague.display_name} at your council changed this bid" in page
