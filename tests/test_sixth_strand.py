"""A strand is added in one place: tests/sixth_strand declares "Keep it REAL"
in one folder, and with it installed the rest of the portal picks it up (the
board, the paper, the bid journey, the rollups); without it nothing changes.
The system check refuses a broken declaration before any page is served."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from django.core.checks import run_checks
from django.test import Client
from django.test.utils import modify_settings

from applications import services
from applications.models import Application, ApplicationState
from programmes.board.paper import paper_content
from programmes.models import Strand
from programmes.services import strands_sync
from programmes.strands import get_strand, strands
from savings import rollups
from savings import selectors as figures
from savings.models import Investment
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db

SIXTH = "tests.sixth_strand"
FIVE = ["ope", "experts", "asce", "growth", "procurement"]


@pytest.fixture
def sixth_strand():
    with modify_settings(INSTALLED_APPS={"append": SIXTH}):
        strands_sync()
        yield Strand.objects.get(key="keep_it_real")


@pytest.fixture
def real_call(sixth_strand):
    return CallFactory(strand=sixth_strand, title="Keep it REAL 2013/14")


def _answer(client, application, slug, data):
    application.refresh_from_db()
    response = client.post(
        f"/bids/{application.reference}/questions/{slug}/",
        {**data, "version": application.version, "continue": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_without_the_folder_there_are_the_five_strands_and_nothing_of_the_sixth(
    board_client,
):
    assert list(strands()) == FIVE
    assert [s.key for s in strands_sync()] == FIVE
    assert "Keep it REAL" not in board_client.get("/board/").content.decode()
    assert board_client.get("/board/strands/keep_it_real/").status_code == 404


def test_installed_it_is_a_strand_everywhere_and_its_checks_pass(sixth_strand):
    assert list(strands()) == [*FIVE, "keep_it_real"]
    assert get_strand("keep_it_real").app_label == "keep_it_real"
    assert sixth_strand.spec.name == "Keep it REAL"
    assert [e for e in run_checks() if e.id.startswith("strands.")] == []


def test_a_council_bids_to_its_call_and_the_award_reaches_the_board_and_the_paper(
    real_call, applicant_a_client, council_a, officer, board_member
):
    client = applicant_a_client
    assert "Keep it REAL 2013/14" in client.get("/bids/").content.decode()
    response = client.post(f"/bids/calls/{real_call.pk}/start/")
    assert response.status_code == 302
    application = Application.objects.get(call=real_call)
    assert application.reference.startswith("KIR-")
    _answer(
        client,
        application,
        "about",
        {"title": "Commissioning with residents", "summary": "Co-design."},
    )
    _answer(client, application, "councils", {})
    _answer(client, application, "funding", {"amount_requested": "£6,000"})
    response = client.post(f"/bids/{application.reference}/declaration/", {"confirm": "on"})
    assert response["Location"] == f"/bids/{application.reference}/confirmation/"

    # The officer scores it against the strand's own criteria and approves it.
    application = services.application_assessment_start(application=application, actor=officer)
    services.application_approve(
        application=application, actor=officer, award_amount=Decimal("6000")
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED
    investment = Investment.objects.get(application=application)
    assert (investment.strand.key, investment.source) == ("keep_it_real", "lga_grant")

    # Its facts reach the rollups, through the same drain the worker runs.
    rollups.drain()
    assert figures.rollup_for(strand=real_call.strand).investment == Decimal("6000")

    board_client = Client()
    board_client.force_login(board_member)
    overview = board_client.get("/board/").content.decode()
    assert "Keep it REAL" in overview
    page = board_client.get("/board/strands/keep_it_real/").content.decode()
    assert "Commissioning support for councils and their partners" in page
    assert "Councils supported" in page
    assert "£6,000" in page

    paper = paper_content(meeting_date=date(2013, 10, 1))
    section = next(s for s in paper["sections"] if s["key"] == "keep_it_real")
    assert section["heading"] == "Keep it REAL"
    assert "an investment of £6,000" in section["paragraphs"][0]
    assert "Keep it REAL" in paper["summary"]


def test_the_officer_scores_it_on_its_own_criteria(
    real_call, council_a, applicant_a, officer_client
):
    application = services.application_create(call=real_call, council=council_a, actor=applicant_a)
    page = officer_client.get(f"/admin/applications/application/{application.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Strength of the commissioning plan" in text
    # Another strand's criteria are not asked.
    assert "Savings potential" not in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"paper": None}, "has no board paper section"),
        ({"assessment_criteria": ()}, "is bid-based but has no assessment_criteria"),
        ({"investment_source": "biscuits"}, "investment_source 'biscuits' is not one of"),
        (
            {"award_page": "keep_it_real:nowhere"},
            "award_page 'keep_it_real:nowhere' is not a URL name",
        ),
        ({"reference_prefix": "PE"}, "has the same reference_prefix 'PE'"),
        ({"key": "ope"}, "has the same key 'ope'"),
        ({"name": ""}, "has no name"),
    ],
)
def test_the_system_check_names_the_strand_and_what_is_wrong(
    sixth_strand, monkeypatch, change, message
):
    from tests.sixth_strand import strand as declaration

    monkeypatch.setattr(declaration, "STRAND", dataclasses.replace(declaration.STRAND, **change))
    errors = [e for e in run_checks() if e.id.startswith("strands.")]
    assert errors, "the broken declaration passed the check"
    assert any(message in e.msg and "tests.sixth_strand.strand" in e.msg for e in errors), [
        e.msg for e in errors
    ]


def test_a_board_template_that_does_not_exist_is_refused(sixth_strand, monkeypatch):
    from tests.sixth_strand import strand as declaration

    board = dataclasses.replace(declaration.STRAND.board, template="keep_it_real/nope.html")
    monkeypatch.setattr(declaration, "STRAND", dataclasses.replace(declaration.STRAND, board=board))
    messages = [e.msg for e in run_checks() if e.id.startswith("strands.")]
    assert messages == [
        "Strand 'keep_it_real' (tests.sixth_strand.strand) board.template "
        "'keep_it_real/nope.html' does not exist"
    ]
