"""Officers edit the public page's initiatives in the admin, through the service."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from programmes.public.models import Initiative
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db
LIST = "/admin/public/initiative/"


def test_an_officer_adds_an_initiative_and_shows_it_on_the_page(officer_client):
    public = Client()
    response = officer_client.post(
        f"{LIST}add/",
        {"title": "Keep it REAL", "summary": "Support.", "display_order": "1", "link_url": ""},
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert not initiative.published
    assert "Keep it REAL" not in public.get("/productivity-and-commissioning/").content.decode()
    officer_client.post(LIST, {"action": "publish_selected", "_selected_action": [initiative.pk]})
    assert "Keep it REAL" in public.get("/productivity-and-commissioning/").content.decode()


def test_filter_search_and_constant_queries(officer_client, strands, django_assert_num_queries):
    InitiativeFactory(title="Shown", published=True, strand=strands["ope"])
    InitiativeFactory(title="Hidden", published=False)
    page = officer_client.get(LIST, {"published__exact": "0"}).content.decode()
    assert "Hidden" in page and "Shown" not in page
    assert "Shown" in officer_client.get(LIST, {"q": "Shown"}).content.decode()
    with CaptureQueriesContext(connection) as few:
        officer_client.get(LIST)
    for key in ("experts", "asce", "growth"):
        InitiativeFactory(strand=strands[key])
    with django_assert_num_queries(len(few)):
        officer_client.get(LIST)
