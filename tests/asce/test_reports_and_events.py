"""ASCE position reports and events: public when published, never before."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from programmes.asce.models import AsceEvent, PositionReport, Presentation
from programmes.asce.services import asce_event_upsert, position_report_upsert, presentation_set
from programmes.permissions import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(db):
    published = position_report_upsert(
        actor=SYSTEM,
        slug="interim-position",
        title="Interim Position",
        report_date=date(2013, 7, 19),
        summary="Half way.",
        published=True,
        document=ContentFile(b"the report", name="interim.txt"),
    )
    draft = position_report_upsert(
        actor=SYSTEM,
        slug="final-position",
        title="Final Position draft",
        report_date=date(2014, 7, 1),
        summary="Not yet.",
        document=ContentFile(b"secret draft", name="final.txt"),
    )
    return published, draft


PERSONAS = ("applicant_a", "applicant_b", "officer", "board_member", "anonymous")


@pytest.mark.parametrize("persona", PERSONAS)
def test_role_by_url_matrix(client, request, reports, persona):
    published, draft = reports
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("asce:asce_page"))
    assert page.status_code == 200
    assert "Interim Position" in page.content.decode()
    assert "Final Position draft" not in page.content.decode()
    document = client.get(reverse("asce:report_document", args=[published.slug]))
    assert document.status_code == 200
    assert b"".join(document.streaming_content) == b"the report"
    assert client.get(reverse("asce:report_document", args=[draft.slug])).status_code == 404


def test_a_presentation_names_a_council_or_an_organisation_not_both(council_a):
    event = asce_event_upsert(actor=SYSTEM, title="Event", held_on=date(2013, 7, 19))
    with pytest.raises(Exception, match="not both"):
        presentation_set(
            actor=SYSTEM,
            event=event,
            display_order=1,
            council=council_a,
            organisation="NEPO",
            topic="x",
        )


def test_the_demo_has_both_reports_and_the_19_july_event(demo, settings, client):
    settings.DEBUG = True
    call_command("load_demo")
    assert list(PositionReport.objects.values_list("title", flat=True)) == [
        "Initial Position",
        "Interim Position",
    ]
    event = AsceEvent.objects.get()
    assert event.held_on == date(2013, 7, 19)
    presenters = [p.presenter for p in Presentation.objects.filter(event=event)]
    assert presenters[1:5] == [
        "London Borough of Hackney",
        "London Borough of Richmond upon Thames",
        "Cumbria County Council",
        "Hertfordshire County Council",
    ]
    assert "North East Purchasing Organisation (NEPO)" in presenters
    page = client.get(reverse("asce:asce_page")).content.decode()
    assert "The role of carer support" in page
    assert "December 2012" in page
