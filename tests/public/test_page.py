"""The public "Productivity and commissioning" page: no sign-in, published content only,
open calls with their closing dates; never a draft or anything private."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programmes.experts import services as experts
from tests.factories import CallFactory, CaseStudyFactory, InitiativeFactory

pytestmark = pytest.mark.django_db
PAGE = "/productivity-and-commissioning/"


@pytest.fixture
def content(officer, experts_call):
    published = experts.case_study_publish(
        case_study=CaseStudyFactory(title="Published study", slug="published-study"),
        actor=officer,
    )
    draft = CaseStudyFactory(
        title="Secret draft study", slug="secret-draft", summary="Draft summary text"
    )
    now = timezone.now()
    closed = CallFactory(
        title="A call that closed",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=1),
    )
    unopened = CallFactory(
        title="A call not open yet",
        opens_at=now + timedelta(days=5),
        closes_at=now + timedelta(days=40),
    )
    return {
        "published": published,
        "draft": draft,
        "initiative": InitiativeFactory(title="Commissioning Academy", published=True),
        "hidden": InitiativeFactory(title="Unannounced initiative", published=False),
        "open": experts_call,
        "closed": closed,
        "unopened": unopened,
    }


@pytest.mark.parametrize(
    "persona",
    ["client", "applicant_a_client", "applicant_b_client", "officer_client", "board_client"],
)
def test_everyone_can_read_the_page_and_a_published_case_study(request, content, persona):
    client = request.getfixturevalue(persona)
    assert client.get(PAGE).status_code == 200
    assert client.get(content["published"].get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "persona",
    ["client", "applicant_a_client", "applicant_b_client", "officer_client", "board_client"],
)
def test_a_drafts_address_is_not_found_for_everyone(request, content, persona):
    client = request.getfixturevalue(persona)
    assert (
        client.get("/productivity-and-commissioning/case-studies/secret-draft/").status_code == 404
    )
    assert client.get("/productivity-and-commissioning/case-studies/no-such/").status_code == 404


def test_the_page_shows_published_content_and_open_calls_with_closing_dates(client, content):
    page = client.get(PAGE).content.decode()
    assert "Commissioning Academy" in page
    assert "Published study" in page
    assert content["published"].get_absolute_url() in page
    assert content["open"].title in page
    assert content["open"].closing_text() in page


def test_drafts_unpublished_initiatives_and_calls_not_open_do_not_leak(client, content):
    page = client.get(PAGE).content.decode()
    for secret in (
        "Secret draft study",
        "Draft summary text",
        "secret-draft",
        "Unannounced initiative",
        "A call that closed",
        "A call not open yet",
    ):
        assert secret not in page


def test_unpublishing_takes_a_case_study_off_the_page_and_its_address(client, content, officer):
    experts.case_study_unpublish(case_study=content["published"], actor=officer)
    assert "Published study" not in client.get(PAGE).content.decode()
    assert (
        client.get("/productivity-and-commissioning/case-studies/published-study/").status_code
        == 404
    )


def test_the_case_study_page_shows_its_paragraphs(client, content):
    page = client.get(content["published"].get_absolute_url()).content.decode()
    assert '<p class="govuk-body">First paragraph.</p>' in page
    assert "Second paragraph." in page


def test_the_page_takes_the_same_queries_for_more_content(
    client, content, officer, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    for n in range(4):
        experts.case_study_publish(case_study=CaseStudyFactory(slug=f"more-{n}"), actor=officer)
        InitiativeFactory(published=True)
        CallFactory()
    with django_assert_num_queries(len(few)):
        client.get(PAGE)


def test_the_footer_links_to_the_page(client):
    assert f'href="{PAGE}"' in client.get("/accessibility/").content.decode()
