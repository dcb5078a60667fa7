"""The decision rights' own pages, fed bad input as an officer would (no
500, the error on the page, nothing saved), and the round's four-eyes limit
in the calls admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.models import Call, DecisionStatus
from tests.applications.test_decision_rights import scene
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


def test_the_second_decision_page_refuses_bad_answers_and_saves_nothing(client):
    s = scene("pending")
    client.force_login(s.people["second_decider"])
    url = reverse("admin:applications_second_decision", args=[s.bid.pk])
    assert client.get(url).status_code == 200
    for data, message in (
        ({}, "Say whether you agree to this approval"),
        ({"agree": "maybe"}, "Select a valid choice"),
        ({"agree": "no"}, "Give the reason you do not agree"),
        ({"agree": "no", "reason": "x" * 5000}, "1,000 characters or fewer"),
    ):
        response = client.post(url, data)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert s.bid.decisions.get().status == DecisionStatus.PENDING


def test_closing_scoring_needs_a_reason_of_a_sensible_length(client):
    s = scene("in_assessment")
    client.force_login(s.lead)
    url = reverse("admin:applications_close_scoring", args=[s.bid.pk])
    assert client.get(url).status_code == 200
    for reason, message in (("  ", "Give the reason"), ("y" * 5000, "1,000 characters or fewer")):
        response = client.post(url, {"reason": reason})
        assert response.status_code == 200 and message in response.content.decode()
    s.bid.refresh_from_db()
    assert s.bid.scoring_closed_at is None


def test_an_assessor_who_has_not_scored_opens_no_decision_page(client):
    s = scene("in_assessment")
    client.force_login(s.assessor)
    for name in ("approve", "decline", "close_scoring", "second_decision", "assign"):
        url = reverse(f"admin:applications_{name}", args=[s.bid.pk])
        assert client.get(url).status_code == 403, name


def test_officers_set_the_second_decider_limit_on_the_round(officer_client, strands):
    call = CallFactory()
    change = reverse("admin:applications_call_change", args=[call.pk])
    assert 'name="second_decision_above"' in officer_client.get(change).content.decode()
    assert officer_client.get(reverse("admin:applications_call_add")).status_code == 200
    for bad, message in (("abc", "Enter a number"), ("-5", "Enter £0 or more")):
        response = officer_client.post(change, {"second_decision_above": bad})
        assert response.status_code == 200 and message in response.content.decode()
    assert Call.objects.get(pk=call.pk).second_decision_above is None
    history = reverse("admin:applications_call_history", args=[call.pk])
    assert officer_client.get(history).status_code == 200
