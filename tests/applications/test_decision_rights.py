"""Decision rights (issue 22): every transition of the declared bid workflow
(applications.workflow.TRANSITIONS) tried by every persona, through the
service and through the admin's URL.

EXPECTED below is written from the rules, not read from the declaration: a
change to who may do what changes this table and its test. Allowed ones make
their change; refused ones change nothing and are answered 403 (a page) or
PermissionDenied (a service), or, for people who are not officers, sent away
from the admin. The declaration itself must agree with the table, and name no
transition the table does not.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from applications import services, workflow
from applications.models import Application, Decision, DecisionStatus, Review
from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER
from tests.applications.bids import bid_completed
from tests.factories import CallFactory, CouncilFactory, UserFactory, decides_awards

PERSONAS = (
    "assessor",  # assigned, declared no conflict, not yet scored
    "assessor_scored",  # assigned, scores submitted
    "unassigned",  # an officer without the permission, not on the bid
    "conflicted",  # assigned, declared a conflict of interest
    "lead",  # the bid's lead officer (does not decide)
    "decider_scored",  # decides awards, and scored this bid
    "decider",  # decides awards, did not score
    "second_decider",  # decides awards, did not score, not the first decider
    "board",
    "council",  # a user of the bid's council
    "other_council",
)
OFFICERS_WORKING_ON_IT = {
    "assessor",
    "assessor_scored",
    "lead",
    "decider_scored",
    "decider",
    "second_decider",
}
EXPECTED: dict[str, set[str]] = {
    "submit": {"council"},
    "provide_information": {"council"},
    "withdraw": {"council"},
    "start_assessment": OFFICERS_WORKING_ON_IT,
    "assign": {"lead"},
    "declare": {"assessor"},
    "score": {"assessor"},
    "close_scoring": {"lead"},
    "moderate": {"lead"},
    "request_information": OFFICERS_WORKING_ON_IT,
    "read_answer": OFFICERS_WORKING_ON_IT | {"unassigned"},
    "approve": {"decider", "second_decider"},
    "second_decision": {"second_decider"},
    "decline": {"decider", "second_decider"},
}
# Where each transition starts (see `scene`).
SOURCE = {
    "submit": "draft",
    "provide_information": "more_information",
    "start_assessment": "submitted",
    "moderate": "closed",
    "read_answer": "answered",
    "second_decision": "pending",
}
CRITERIA = ("savings_potential", "deliverability", "value_for_money", "transferability")
SCORES = dict.fromkeys(CRITERIA, 3)


@dataclass
class Scene:
    bid: Application
    people: dict[str, object]
    lead: object
    assessor: object


def _decider(username: str):
    return decides_awards(UserFactory(username=username, role=OFFICER, is_staff=True))


# The two submitted reviews: a mean of 4.9 (39 / 8), found nowhere else.
SUBMITTED_SCORES = {
    "assessor-2": dict(zip(CRITERIA, (5, 5, 5, 4), strict=True)),
    "decider-scored": dict(zip(CRITERIA, (5, 5, 5, 5), strict=True)),
}
HIDDEN_MEAN = "4.9"


def shows_mean(html: str) -> bool:
    """The mean as a cell or a line's text (not inside an icon's drawing)."""
    return re.search(r">\s*4\.9\b", html) is not None


def _scored(review: Review, actor) -> None:
    services.conflict_declare(review=review, actor=actor, conflict=False)
    services.review_save(
        review=review,
        actor=actor,
        scores=SUBMITTED_SCORES[actor.username],
        score_notes={CRITERIA[0]: "Evidence-note-kept-apart"},
        recommendation="fund_with_conditions",
        submit=True,
    )


def scene(source: str) -> Scene:
    """A bid in `source` with every persona in their place: the lead, four
    reviews (one to score, two submitted, one conflicted) and two deciders."""
    council, other = CouncilFactory(), CouncilFactory()
    call = CallFactory(
        strand__key="experts", max_amount=Decimal("20000"), second_decision_above=Decimal("5000")
    )
    people = {
        "assessor": UserFactory(username="assessor", role=OFFICER, is_staff=True),
        "assessor_scored": UserFactory(username="assessor-2", role=OFFICER, is_staff=True),
        "unassigned": UserFactory(username="unassigned", role=OFFICER, is_staff=True),
        "conflicted": UserFactory(username="conflicted", role=OFFICER, is_staff=True),
        "lead": UserFactory(username="lead", role=OFFICER, is_staff=True),
        "decider_scored": _decider("decider-scored"),
        "decider": _decider("decider"),
        "second_decider": _decider("second-decider"),
        "board": UserFactory(username="board", role=BOARD_MEMBER),
        "council": UserFactory(username="council", role=APPLICANT, council=council),
        "other_council": UserFactory(username="other", role=APPLICANT, council=other),
    }
    bid = bid_completed(call, council, people["council"])
    if source == "draft":
        return Scene(bid, people, people["lead"], people["assessor"])
    bid = services.application_submit(application=bid, actor=people["council"])
    bid = services.assessors_assign(
        application=bid,
        actor=people["decider"],  # no lead yet: a decider assigns
        assessors=[people[name] for name in ("assessor", "assessor_scored", "conflicted")]
        + [people["decider_scored"]],
        lead_officer=people["lead"],
    )
    reviews = {review.assessor.username: review for review in bid.reviews.all()}
    services.conflict_declare(review=reviews["assessor"], actor=people["assessor"], conflict=False)
    _scored(reviews["assessor-2"], people["assessor_scored"])
    _scored(reviews["decider-scored"], people["decider_scored"])
    services.conflict_declare(
        review=reviews["conflicted"], actor=people["conflicted"], conflict=True, note="Ex-employee"
    )
    if source != "submitted":
        bid = services.application_assessment_start(application=bid, actor=people["lead"])
    if source in ("more_information", "answered"):
        bid = services.application_information_request(
            application=bid, actor=people["lead"], message="Which contracts?"
        )
    if source == "answered":
        bid = services.application_information_provide(
            application=bid, actor=people["council"], note="These four."
        )
    if source == "closed":
        bid = services.scoring_close(application=bid, actor=people["lead"], reason="One is away")
    if source == "pending":
        bid = services.application_approve(
            application=bid, actor=people["decider"], award_amount=Decimal("9000")
        )
    bid.refresh_from_db()
    return Scene(bid, people, people["lead"], people["assessor"])


def _review(bid: Application, user) -> Review:
    return bid.reviews.filter(assessor=user).first() or bid.reviews.get(
        assessor__username="assessor"
    )


def through_service(name: str, s: Scene, user) -> None:
    bid = s.bid
    calls = {
        "submit": lambda: services.application_submit(application=bid, actor=user),
        "provide_information": lambda: services.application_information_provide(
            application=bid, actor=user, note="Here it is."
        ),
        "withdraw": lambda: services.application_withdraw(application=bid, actor=user),
        "start_assessment": lambda: services.application_assessment_start(
            application=bid, actor=user
        ),
        "assign": lambda: services.assessors_assign(
            application=bid, actor=user, assessors=[s.people["unassigned"]], replace=False
        ),
        "declare": lambda: services.conflict_declare(
            review=_review(bid, user), actor=user, conflict=False
        ),
        "score": lambda: services.review_save(
            review=_review(bid, user), actor=user, scores=SCORES, recommendation="fund", submit=True
        ),
        "close_scoring": lambda: services.scoring_close(application=bid, actor=user, reason="Away"),
        "moderate": lambda: services.assessment_save(
            application=bid, actor=user, scores=SCORES, recommendation="fund", reason="Agreed"
        ),
        "request_information": lambda: services.application_information_request(
            application=bid, actor=user, message="More, please."
        ),
        "read_answer": lambda: services.information_answer_read(application=bid, actor=user),
        "approve": lambda: services.application_approve(
            application=bid, actor=user, award_amount=Decimal("4000")
        ),
        "second_decision": lambda: services.application_second_decision(
            application=bid, actor=user, agree=True
        ),
        "decline": lambda: services.application_decline(
            application=bid, actor=user, reasons="Not this time."
        ),
    }
    calls[name]()


def posted(name: str, s: Scene) -> dict:
    data = {
        "assign": {"lead_officer": s.lead.pk, "assessors": [s.people["unassigned"].pk]},
        "declare": {"conflict": "no"},
        "score": {
            **{f"score_{key}": "3" for key in CRITERIA},
            "recommendation": "fund",
            "_submit": "1",
        },
        "close_scoring": {"reason": "Away"},
        "moderate": {
            **{f"score_{key}": "3" for key in CRITERIA},
            "recommendation": "fund",
            "reason": "Agreed",
        },
        "request_information": {"message": "More, please."},
        "approve": {"award_amount": "4000"},
        "second_decision": {"agree": "yes"},
        "decline": {"reasons": "Not this time."},
    }
    return data.get(name, {})


def snapshot(bid: Application) -> tuple:
    """Everything a transition may change, to see whether it changed."""
    bid = Application.objects.get(pk=bid.pk)
    reviews = sorted(
        bid.reviews.values_list("assessor_id", "conflict", "submitted_at", "declared_at")
    )
    decisions = sorted(bid.decisions.values_list("status", "second_at"))
    return (
        bid.state,
        bid.scoring_closed_at,
        bid.moderated_at,
        bid.information_answered_at,
        bid.information_due_on,
        reviews,
        decisions,
    )


@contextmanager
def undone():
    """Whatever happens inside is rolled back: each persona tries the same
    bid as it was (one scene per transition, not one per persona)."""
    point = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(point)


def test_the_declaration_names_the_same_transitions_as_the_matrix():
    assert set(workflow.TRANSITIONS) == set(EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_service_allows_exactly_whom_the_rules_allow(name):
    s = scene(SOURCE.get(name, "in_assessment"))
    wrong = []
    for persona in PERSONAS:
        user = s.people[persona]
        allowed = persona in EXPECTED[name]
        if workflow.allowed(name, s.bid, user) != allowed:
            wrong.append(f"{persona}: the declaration says {not allowed}")
        with undone():
            before = snapshot(s.bid)
            try:
                through_service(name, s, user)
            except (PermissionDenied, ValidationError) as refused:
                if allowed:
                    wrong.append(f"{persona}: refused ({refused})")
                elif snapshot(s.bid) != before:
                    wrong.append(f"{persona}: refused, but the bid changed")
            else:
                if not allowed:
                    wrong.append(f"{persona}: allowed")
                elif snapshot(s.bid) == before:
                    wrong.append(f"{persona}: allowed, but nothing changed")
    assert wrong == []


ADMIN_TRANSITIONS = [name for name, t in workflow.TRANSITIONS.items() if t.admin_url]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN_TRANSITIONS)
def test_the_admin_url_allows_exactly_whom_the_rules_allow(client, name):
    s = scene(SOURCE.get(name, "in_assessment"))
    url = reverse(workflow.TRANSITIONS[name].admin_url, args=[s.bid.pk])
    change = reverse("admin:applications_application_change", args=[s.bid.pk])
    wrong = []
    for persona in PERSONAS:
        client.force_login(s.people[persona])
        with undone():
            before = snapshot(s.bid)
            response = client.post(url, posted(name, s))
            changed = snapshot(s.bid) != before
            status = response.status_code
            where = response.get("Location", "")
            if persona in EXPECTED[name]:
                if (status, where, changed) != (302, change, True):
                    wrong.append(f"{persona}: allowed, answered {status} {where} changed={changed}")
            elif changed or status not in (302, 403):
                wrong.append(f"{persona}: refused, answered {status}, changed={changed}")
            elif status == 302 and not where.startswith(reverse("admin:login")):
                # Not an officer: sent to sign in as one, never back to the bid.
                wrong.append(f"{persona}: refused, sent to {where}")
        client.logout()
    assert wrong == []


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(OFFICERS_WORKING_ON_IT | {"unassigned", "conflicted"}))
def test_the_assessment_page_shows_only_the_buttons_its_user_may_press(client, persona):
    s = scene("in_assessment")
    user = s.people[persona]
    client.force_login(user)
    page = client.get(reverse("admin:applications_application_change", args=[s.bid.pk]))
    html = page.content.decode()
    for name in ("request_information", "approve", "decline", "close_scoring", "assign"):
        url = reverse(workflow.TRANSITIONS[name].admin_url, args=[s.bid.pk])
        assert (url in html) == (persona in EXPECTED[name]), (name, persona)


@pytest.mark.django_db
def test_an_award_above_the_limit_waits_for_a_second_decider_and_the_council_sees_nothing(client):
    s = scene("pending")
    bid = s.bid
    assert bid.state == "in_assessment"
    pending = bid.decisions.get()
    assert (pending.status, pending.decided_by, pending.award_amount) == (
        DecisionStatus.PENDING,
        s.people["decider"],
        Decimal("9000"),
    )
    assert "second decider" in pending.rule
    client.force_login(s.people["council"])
    page = client.get(bid.get_absolute_url()).content.decode()
    assert "Successful" not in page and "9,000" not in page
    # The first decider cannot be the second.
    with pytest.raises(PermissionDenied, match="second decider must agree"):
        services.application_second_decision(application=bid, actor=s.people["decider"], agree=True)
    services.application_second_decision(
        application=bid, actor=s.people["second_decider"], agree=True
    )
    bid.refresh_from_db()
    decision = Decision.objects.get(application=bid)
    assert bid.state == "approved" and bid.award_amount == Decimal("9000")
    assert (decision.status, decision.second_by) == (
        DecisionStatus.FINAL,
        s.people["second_decider"],
    )
    page = client.get(bid.get_absolute_url()).content.decode()
    assert "9,000" in page


@pytest.mark.django_db
def test_a_returned_approval_is_decided_again_and_needs_a_reason():
    s = scene("pending")
    with pytest.raises(ValidationError, match="reason"):
        services.application_second_decision(
            application=s.bid, actor=s.people["second_decider"], agree=False
        )
    services.application_second_decision(
        application=s.bid, actor=s.people["second_decider"], agree=False, reason="Too much"
    )
    s.bid.refresh_from_db()
    assert s.bid.state == "in_assessment"
    assert s.bid.decisions.get().status == DecisionStatus.RETURNED
    assert workflow.allowed("approve", s.bid, s.people["decider"])


@pytest.mark.django_db
def test_an_award_within_the_limit_is_final_with_its_rule_recorded():
    s = scene("in_assessment")
    services.application_approve(
        application=s.bid, actor=s.people["decider"], award_amount=Decimal("5000")
    )
    s.bid.refresh_from_db()
    decision = s.bid.decisions.get()
    assert s.bid.state == "approved"
    assert decision.status == DecisionStatus.FINAL
    assert decision.rule == "Within one decider's limit of £5,000.00"
    assert decision.decided_by == s.people["decider"]


def _all_pages(client, s: Scene) -> dict[str, str]:
    """Every officer page that shows a bid's scores, its lists and its trail."""
    bid = s.bid
    bids = reverse("admin:applications_application_changelist")
    pages = {
        "assessment": reverse("admin:applications_application_change", args=[bid.pk]),
        "list": bids,
        "list sorted by mean": f"{bids}?o=8",
        "list searched": f"{bids}?q={bid.reference}",
        "assigned queue": f"{bids}?queue=mine",
        "moderation queue": f"{bids}?queue=moderation",
        "history": reverse("admin:applications_application_history", args=[bid.pk]),
        "audit log": reverse("admin:auditlog_logentry_changelist"),
        "admin home": reverse("admin:index"),
    }
    return {name: client.get(url).content.decode() for name, url in pages.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["assessor", "unassigned", "conflicted", "lead", "decider"])
def test_before_every_assessor_has_scored_nobody_but_those_who_scored_sees_a_score(client, persona):
    s = scene("in_assessment")
    client.force_login(s.people[persona])
    for name, html in _all_pages(client, s).items():
        assert not shows_mean(html), (persona, name)
        assert "savings_potential: 5" not in html, (persona, name)  # a score's audit entry
        assert "Evidence-note-kept-apart" not in html, (persona, name)
        assert ": Fund with conditions" not in html, (persona, name)
    # The panel pack leaves the bid out, and says so.
    response = client.post(
        reverse("admin:applications_application_changelist"),
        {"action": "panel_pack_xlsx", "_selected_action": [s.bid.pk]},
        follow=True,
    )
    assert response["Content-Type"].startswith("text/html")
    assert "left out of the panel pack" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["assessor_scored", "decider_scored"])
def test_an_assessor_who_has_scored_sees_the_others_scores(client, persona):
    s = scene("in_assessment")
    client.force_login(s.people[persona])
    page = _all_pages(client, s)["assessment"]
    assert shows_mean(page) and ": Fund with conditions" in page


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["lead", "decider", "second_decider"])
def test_once_scoring_is_closed_the_lead_and_deciders_see_everything(client, persona):
    s = scene("closed")
    client.force_login(s.people[persona])
    pages = _all_pages(client, s)
    assert shows_mean(pages["assessment"])
    assert shows_mean(pages["list"])
    assert ": Fund with conditions" in pages["assessment"]
    response = client.post(
        reverse("admin:applications_application_changelist"),
        {"action": "panel_pack_xlsx", "_selected_action": [s.bid.pk]},
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["unassigned", "conflicted"])
def test_once_scoring_is_closed_other_officers_still_see_no_score(client, persona):
    s = scene("closed")
    client.force_login(s.people[persona])
    for name, html in _all_pages(client, s).items():
        assert not shows_mean(html), (persona, name)
