"""The officers' workspace: queues, assignment, conflicts, independent scoring,
moderation, the panel pack and search (issue 14, docs/bids.md)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from applications import search, services
from applications.models import Application, Review
from applications.panel_pack import panel_pack_rows
from applications.selectors import applications_search, work_queues
from programmes.roles import OFFICER
from tests.applications.bids import bid_completed, bid_in_assessment, bid_submitted
from tests.factories import CouncilFactory, UserFactory

pytestmark = pytest.mark.django_db
LIST = "/admin/applications/application/"
ALL_FOUR = ("savings_potential", "deliverability", "value_for_money", "transferability")


def page_of(bid: Application) -> str:
    return f"/admin/applications/application/{bid.pk}/change/"


def _officer(name: str):
    return UserFactory(username=name, first_name=name.capitalize(), is_staff=True, role=OFFICER)


@pytest.fixture
def ash():
    return _officer("ash")


@pytest.fixture
def bo():
    return _officer("bo")


@pytest.fixture
def assessed(experts_call, council_a, applicant_a, officer, ash, bo):
    """A bid in assessment led by `officer`, with Ash and Bo as its assessors."""
    bid = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    return services.assessors_assign(
        application=bid, actor=officer, assessors=[ash, bo], lead_officer=officer
    )


def _score(bid, assessor, values, recommendation="fund", submit=True, notes=None):
    review = bid.reviews.get(assessor=assessor)
    if not review.conflict:
        services.conflict_declare(review=review, actor=assessor, conflict=False)
    return services.review_save(
        review=review,
        actor=assessor,
        scores=dict(zip(ALL_FOUR, values, strict=True)),
        score_notes=notes or {},
        recommendation=recommendation,
        submit=submit,
    )


# Assignment -------------------------------------------------------------------------


def test_a_calls_default_assessors_are_assigned_to_each_bid_sent(
    experts_call, council_a, applicant_a, ash, bo
):
    experts_call.default_assessors.set([ash, bo])
    bid = bid_submitted(experts_call, council_a, applicant_a)
    assert {review.assessor for review in bid.reviews.all()} == {ash, bo}


def test_only_officers_can_be_assessors(assessed, officer, applicant_b):
    with pytest.raises(ValidationError, match="not an LGA officer"):
        services.assessors_assign(application=assessed, actor=officer, assessors=[applicant_b])


def test_an_assessor_who_has_scored_stays_when_the_assessors_change(assessed, officer, ash, bo):
    _score(assessed, ash, (4, 4, 4, 4))
    services.assessors_assign(application=assessed, actor=officer, assessors=[])
    assert [review.assessor for review in assessed.reviews.all()] == [ash]


def test_bulk_assignment_adds_assessors_and_a_lead_to_each_bid(
    officer_client, experts_call, council_a, council_b, applicant_a, applicant_b, officer, ash
):
    one = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    two = bid_in_assessment(experts_call, council_b, applicant_b, officer)
    response = officer_client.post(
        LIST,
        {
            "action": "assign_selected",
            "_selected_action": [one.pk, two.pk],
            "apply": "1",
            "lead_officer": officer.pk,
            "assessors": [ash.pk],
        },
    )
    assert response.status_code == 302
    for bid in (one, two):
        bid.refresh_from_db()
        assert bid.lead_officer == officer
        assert list(bid.reviews.values_list("assessor", flat=True)) == [ash.pk]


def test_the_assessment_page_sets_the_lead_and_assessors(officer_client, assessed, officer, bo):
    assign = f"{page_of(assessed).removesuffix('change/')}assign/"
    assert 'name="assessors"' in officer_client.get(assign).content.decode()
    refused = officer_client.post(assign, {"lead_officer": "abc", "assessors": ["99999999999"]})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    response = officer_client.post(assign, {"lead_officer": bo.pk, "assessors": [bo.pk]})
    assert response.status_code == 302
    assessed.refresh_from_db()
    assert assessed.lead_officer == bo
    assert [review.assessor for review in assessed.reviews.all()] == [bo]
    # The lead is Bo now: assigning is theirs (applications.workflow).
    assert officer_client.post(assign, {"lead_officer": bo.pk}).status_code == 403


def test_assigned_to_me_filters_the_list(
    client, assessed, experts_call, council_b, applicant_b, ash
):
    other = bid_submitted(experts_call, council_b, applicant_b)
    client.force_login(ash)
    page = client.get(LIST, {"assigned": "me"}).content.decode()
    assert assessed.reference in page and other.reference not in page


# Conflicts of interest ----------------------------------------------------------------


def test_a_conflicted_assessor_cannot_score_by_service(assessed, ash):
    review = assessed.reviews.get(assessor=ash)
    services.conflict_declare(review=review, actor=ash, conflict=True, note="My sister works there")
    with pytest.raises(PermissionDenied):
        services.review_save(review=review, actor=ash, scores={"deliverability": 5})
    with pytest.raises(PermissionDenied):
        services.conflict_declare(review=review, actor=ash, conflict=False)


def test_a_conflicted_assessor_cannot_score_by_url_or_by_form(client, assessed, ash):
    client.force_login(ash)
    declared = client.post(
        f"{page_of(assessed).removesuffix('change/')}declare/",
        {"conflict": "yes", "conflict_note": "I used to work for the council"},
    )
    assert declared.status_code == 302
    score_url = f"{page_of(assessed).removesuffix('change/')}score/"
    # By URL: the scoring page itself is refused.
    assert client.get(score_url).status_code == 403
    # By form: a posted score is refused and nothing is saved.
    posted = client.post(score_url, {"score_deliverability": "5", "_submit": "1"})
    assert posted.status_code == 403
    assert not Review.objects.get(application=assessed, assessor=ash).scores.exists()
    page = client.get(page_of(assessed)).content.decode()
    assert "you cannot score this bid" in page
    assert 'name="score_deliverability"' not in page.split('id="moderation"')[0]


def test_the_lead_sees_a_declared_conflict(officer_client, assessed, ash):
    review = assessed.reviews.get(assessor=ash)
    services.conflict_declare(review=review, actor=ash, conflict=True, note="My sister works there")
    page = officer_client.get(page_of(assessed)).content.decode()
    assert "conflict of interest declared" in page and "My sister works there" in page


def test_an_assessor_declares_before_scoring(assessed, ash):
    review = assessed.reviews.get(assessor=ash)
    with pytest.raises(ValidationError, match="Declare whether"):
        services.review_save(review=review, actor=ash, scores={"deliverability": 3})


def test_only_the_assigned_assessor_scores_their_review(assessed, ash, bo):
    review = assessed.reviews.get(assessor=ash)
    with pytest.raises(PermissionDenied):
        services.conflict_declare(review=review, actor=bo, conflict=False)


# Independent scores and moderation ------------------------------------------------------


def test_others_scores_are_hidden_until_the_assessor_submits(client, assessed, ash, bo):
    _score(assessed, ash, (5, 4, 3, 2), notes={"deliverability": "Ash thinks it is solid"})
    client.force_login(bo)
    services.conflict_declare(review=assessed.reviews.get(assessor=bo), actor=bo, conflict=False)
    before = client.get(page_of(assessed)).content.decode()
    assert "Ash thinks it is solid" not in before
    assert "hidden until you submit" in before
    response = client.post(
        f"{page_of(assessed).removesuffix('change/')}score/",
        {
            "score_savings_potential": "5",
            "score_deliverability": "4",
            "score_value_for_money": "3",
            "score_transferability": "na",
            "recommendation": "fund",
            "_submit": "1",
        },
    )
    assert response.status_code == 302
    after = client.get(page_of(assessed)).content.decode()
    assert "Ash thinks it is solid" in after


def test_submitting_needs_every_criterion_and_a_recommendation(assessed, ash):
    review = assessed.reviews.get(assessor=ash)
    services.conflict_declare(review=review, actor=ash, conflict=False)
    with pytest.raises(ValidationError, match="Score every criterion"):
        services.review_save(review=review, actor=ash, scores={"deliverability": 3}, submit=True)
    # Saved without submitting, it stays the assessor's draft.
    services.review_save(review=review, actor=ash, scores={"deliverability": 3})
    review.refresh_from_db()
    assert review.submitted_at is None and review.scores.get().score == 3


def test_disagreements_are_flagged_for_the_lead(officer_client, assessed, ash, bo):
    _score(assessed, ash, (5, 4, 4, 4), recommendation="fund")
    _score(assessed, bo, (3, 4, 4, None), recommendation="do_not_fund")
    page = officer_client.get(page_of(assessed)).content.decode()
    assert "disagreement to moderate" in page
    assert "2 points" in page and "more than 1 apart: moderate it" in page  # 5 and 3
    assert "they differ" in page  # fund and do not fund


def test_once_moderated_the_disagreement_no_longer_asks_to_be_moderated(
    officer_client, officer, assessed, ash, bo
):
    _score(assessed, ash, (5, 4, 4, 4), recommendation="fund")
    _score(assessed, bo, (3, 4, 4, None), recommendation="do_not_fund")
    services.assessment_save(
        application=assessed,
        actor=officer,
        scores=dict(zip(ALL_FOUR, (4, 4, 4, 4), strict=True)),
        recommendation="fund",
        reason="Ash's evidence on savings is stronger",
    )
    page = officer_client.get(page_of(assessed)).content.decode()
    assert "disagreement to moderate" not in page
    assert "disagreement moderated" in page
    assert "2 points – moderated" in page
    assert "over 1 point" not in page


def test_the_list_mean_is_the_assessors_then_the_moderated_one(officer, assessed, ash, bo):
    _score(assessed, ash, (5, 5, 5, None))
    assessed.refresh_from_db()
    assert assessed.mean_score == Decimal("5.0")  # not applicable left out
    _score(assessed, bo, (3, 3, 3, 3))
    assessed.refresh_from_db()
    assert assessed.mean_score == Decimal("3.9")  # (15 + 12) / 7
    with pytest.raises(ValidationError, match="reason"):
        services.assessment_save(application=assessed, actor=officer, scores={"deliverability": 4})
    services.assessment_save(
        application=assessed,
        actor=officer,
        scores=dict(zip(ALL_FOUR, (4, 4, 4, None), strict=True)),
        recommendation="fund",
        reason="Ash's evidence on savings is stronger",
    )
    assessed.refresh_from_db()
    assert assessed.mean_score == Decimal("4.0")
    assert assessed.moderation_reason == "Ash's evidence on savings is stronger"


def test_only_the_lead_moderates(assessed, ash):
    with pytest.raises(PermissionDenied):
        services.assessment_save(application=assessed, actor=ash, scores={"deliverability": 4})


def test_the_list_sorts_by_the_stored_mean(
    officer_client, assessed, experts_call, council_b, applicant_b, officer, ash, bo
):
    _score(assessed, ash, (2, 2, 2, 2))
    _score(assessed, bo, (2, 2, 2, 2))  # scoring complete: the lead sees the mean
    high = bid_in_assessment(experts_call, council_b, applicant_b, officer)
    services.assessment_save(application=high, actor=officer, scores={"deliverability": 5})
    page = officer_client.get(LIST, {"o": "-8"}).content.decode()
    assert page.index(high.reference) < page.index(assessed.reference)


# Work queues ---------------------------------------------------------------------------


def test_the_queues_count_what_awaits_each_officer(
    assessed, experts_call, council_a, council_b, applicant_a, applicant_b, officer, ash, bo
):
    CouncilFactory()
    bid_submitted(experts_call, council_b, applicant_b)  # to screen
    asked = bid_in_assessment(experts_call, council_b, applicant_b, officer)
    services.application_information_request(
        application=asked, actor=officer, message="Which contracts?"
    )
    Application.objects.filter(pk=asked.pk).update(
        information_due_on=timezone.localdate() - timedelta(days=1)
    )  # overdue
    answered = bid_in_assessment(experts_call, council_a, applicant_a, officer)
    answered = services.application_information_request(
        application=answered, actor=officer, message="Which contracts?"
    )
    services.application_information_provide(
        application=answered, actor=applicant_a, note="The four largest"
    )
    _score(assessed, ash, (4, 4, 4, 4))

    def counts(user):
        user.has_perm("applications.decide_awards")  # the permissions, read once per request
        with CaptureQueriesContext(connection) as queries:
            found = {item.queue.key: item.count for item in work_queues(user=user)}
        assert len(queries) == 2  # one per model: bids, savings returns
        return found

    # The "assessed" bid and "answered" were sent too, but are in assessment.
    assert counts(bo) == {
        "screen": 1,
        "mine": 1,  # Bo has still to score
        "moderation": 0,
        "second": 0,
        "answered": 1,
        "overdue": 1,
        "returns_awaiting": 0,
        "returns_overdue": 0,
    }
    assert counts(ash)["mine"] == 0
    _score(assessed, bo, (4, 4, 4, 4))
    assert counts(officer)["moderation"] == 1
    services.information_answer_read(application=answered, actor=officer)
    assert counts(officer)["answered"] == 0


def test_the_queues_count_savings_returns_awaiting_verification_and_overdue(
    officer_client, officer, council_a, strands
):
    from tests.savings.returns import award, first_return, line, send

    awarded = award(council_a, strand=strands["experts"])  # 5 quarterly returns, all past due
    sent = first_return(awarded)
    line(sent)
    send(sent)
    counts = {item.queue.key: item.count for item in work_queues(user=officer)}
    assert (counts["returns_awaiting"], counts["returns_overdue"]) == (1, 4)
    home = officer_client.get("/admin/").content.decode()
    assert "Savings returns awaiting verification" in home
    listed = officer_client.get("/admin/returns/savingsreturn/", {"queue": "awaiting"})
    assert sent.reference in listed.content.decode()


def test_the_admin_home_links_each_queue_to_its_list(officer_client, assessed, ash, bo):
    _score(assessed, ash, (4, 4, 4, 4))
    _score(assessed, bo, (4, 4, 4, 4))
    home = officer_client.get("/admin/").content.decode()
    assert "Bids I lead awaiting moderation" in home and "queue=moderation" in home
    listed = officer_client.get(LIST, {"queue": "moderation"}).content.decode()
    assert assessed.reference in listed


def test_system_tables_are_under_a_system_heading(officer_client):
    home = officer_client.get("/admin/").content.decode()
    system = home[home.index('id="system"') if 'id="system"' in home else home.index(">System<") :]
    assert "Rollups" in system and "Outbox markers" in system
    assert "/board/" in home


# Panel pack and search ---------------------------------------------------------------


def test_the_panel_pack_has_a_row_per_bid_with_its_moderated_scores(
    officer_client, officer, assessed, ash, bo
):
    _score(assessed, ash, (5, 4, 4, 4))
    _score(assessed, bo, (3, 4, 4, 4))
    services.assessment_save(
        application=assessed,
        actor=officer,
        scores=dict(zip(ALL_FOUR, (4, 4, 4, None), strict=True)),
        recommendation="fund_with_conditions",
        reason="Between the two",
    )
    rows = panel_pack_rows(Application.objects.filter(pk=assessed.pk))
    header, row = rows
    assert header[:6] == [
        "Reference",
        "Council",
        "Strand",
        "Title",
        "Asked for (£)",
        "Asked for (days)",
    ]
    assert row[:2] == [assessed.reference, "Allerdale Borough Council"]
    assert row[header.index("Savings potential")] == 4
    assert row[header.index("Transferability to other councils")] == "n/a"
    assert row[header.index("Mean score")] == Decimal("4.0")
    assert row[header.index("Recommendation")] == "Fund with conditions"
    response = officer_client.post(
        LIST, {"action": "panel_pack_xlsx", "_selected_action": [assessed.pk]}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == assessed.reference


def test_the_panel_pack_spreadsheet_gives_the_assessors_mean_before_moderation(assessed, ash, bo):
    _score(assessed, ash, (5, 4, 4, None), recommendation="fund")
    _score(assessed, bo, (3, 4, 3, None), recommendation="fund")
    header, row = panel_pack_rows(Application.objects.filter(pk=assessed.pk))
    assert row[header.index("Savings potential")] is None  # not moderated yet
    assert row[header.index("Savings potential (assessors' mean)")] == Decimal("4.0")
    assert row[header.index("Value for money (assessors' mean)")] == Decimal("3.5")


def test_search_finds_words_in_the_answers(
    experts_call, council_a, council_b, applicant_a, applicant_b
):
    actuary = bid_completed(experts_call, council_a, applicant_a)
    services.application_section_save(
        application=actuary,
        actor=applicant_a,
        section="expertise",
        answers={"expertise_field": "Pensions actuary", "expert_role": "Value the fund."},
        version=actuary.version,
    )
    actuary = services.application_submit(application=actuary, actor=applicant_a)
    other = bid_submitted(experts_call, council_b, applicant_b)
    # "actuary" is only in an answer of the expertise page, not the title or summary.
    assert list(applications_search(Application.objects.all(), "actuary")) == [actuary]
    assert list(applications_search(Application.objects.all(), "Wyre Forest")) == [other]
    assert list(applications_search(Application.objects.all(), other.reference)) == [other]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking: PostgreSQL only")
def test_search_ranks_the_better_match_first(
    experts_call, council_a, council_b, applicant_a, applicant_b
):
    once = bid_submitted(experts_call, council_a, applicant_a)
    twice = bid_completed(experts_call, council_b, applicant_b)
    services.application_section_save(
        application=twice,
        actor=applicant_b,
        section="about",
        answers={"title": "Contract savings: contracts renegotiated", "summary": "Contracts."},
        version=twice.version,
    )
    twice = services.application_submit(application=twice, actor=applicant_b)
    ranked = list(
        applications_search(Application.objects.all(), "contracts").order_by("-search_rank")
    )
    assert ranked[:2] == [twice, once]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search: PostgreSQL only")
def test_a_page_of_search_results_is_one_search_not_one_per_match(
    experts_call, council_a, council_b, applicant_a, applicant_b
):
    """The admin reads a page's keys in a subquery (EstimatedCountPaginator);
    the search's stored column must be that subquery's own, not the outer
    row's, or PostgreSQL searches and ranks once per match (issue 26)."""
    first = bid_submitted(experts_call, council_a, applicant_a)
    bid_submitted(experts_call, council_b, applicant_b)
    found = applications_search(Application.objects.all(), council_a.name.split()[0])
    keys = Application.objects.filter(pk__in=found.order_by("-search_rank").values("pk")[:50])
    sql = str(keys.query)
    inner = sql.split("IN (SELECT", 1)[1]
    assert 'U0."search_vector" @@' in inner
    assert '"applications_application"."search_vector"' not in inner
    assert set(keys) == set(found) == {first}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking: PostgreSQL only")
def test_a_search_matching_too_many_bids_to_rank_lists_the_same_bids_newest_first(
    officer_client, experts_call, council_a, council_b, applicant_a, applicant_b, monkeypatch
):
    """Ranking reads every match; past RANKED_AT_MOST matches the list is in
    its own order, newest sent first, a page at a time, and says so (issue 26)."""
    older = bid_submitted(experts_call, council_a, applicant_a)
    newer = bid_submitted(experts_call, council_b, applicant_b)
    Application.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    word = "Benchmark"
    Application.objects.update(search_document=word)  # both match equally well
    ranked = officer_client.get(LIST, {"q": word})
    assert "listed newest first" not in ranked.content.decode()

    monkeypatch.setattr(search, "RANKED_AT_MOST", 1)
    assert search.search_is_common(Application.objects.all(), word)
    assert not search.search_is_common(Application.objects.all(), "nowhere")
    response = officer_client.get(LIST, {"q": word})
    page = response.content.decode()
    assert "listed newest first, not by how well they match" in page
    assert list(response.context["cl"].result_list) == [newer, older]
    assert set(ranked.context["cl"].result_list) == {newer, older}


# Query counts do not grow with the data -------------------------------------------------


def _queries(client, url, params=None) -> int:
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_the_list_and_assessment_page_take_the_same_queries_at_two_sizes(
    officer_client, assessed, experts_call, officer, ash, bo
):
    _score(assessed, ash, (5, 4, 4, 4))
    _score(assessed, bo, (3, 4, 4, 4))
    views = [
        (LIST, None),
        (LIST, {"o": "-8"}),
        (LIST, {"q": "contracts"}),
        (LIST, {"queue": "mine"}),
        (page_of(assessed), None),
    ]
    small = [_queries(officer_client, url, params) for url, params in views]
    for _ in range(3):
        council = CouncilFactory()
        user = UserFactory(council=council, role="Council applicant")
        bid = bid_in_assessment(experts_call, council, user, officer)
        services.assessors_assign(application=bid, actor=officer, assessors=[ash, bo])
        _score(bid, ash, (2, 3, 4, 5))
    cy = _officer("cy")
    services.assessors_assign(application=assessed, actor=officer, assessors=[ash, bo, cy])
    _score(assessed, cy, (1, 1, 1, 1))
    bigger = [_queries(officer_client, url, params) for url, params in views]
    assert bigger == small


def test_the_panel_pack_pdf_is_printed_by_the_worker_a_page_per_bid(
    officer_client, officer, assessed, experts_call, council_b, applicant_b, settings, monkeypatch
):
    from applications import tasks
    from programmes import printing

    other = bid_in_assessment(experts_call, council_b, applicant_b, officer)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.panel_pack_print, "delay", lambda pks, name: queued.append(name))
    printed = []

    def fake_print(html: str) -> bytes:
        printed.append(html)
        return b"%PDF-1.4 panel pack"

    monkeypatch.setattr(printing, "pdf_from_html", fake_print)
    response = officer_client.post(
        LIST, {"action": "panel_pack_pdf", "_selected_action": [assessed.pk, other.pk]}
    )
    assert response.status_code == 302 and len(queued) == 1
    waiting = officer_client.get(response["Location"])
    assert "being printed" in waiting.content.decode() and waiting["Refresh"] == "5"
    assert printed == []  # never in the request
    assert tasks.panel_pack_print([assessed.pk, other.pk], queued[0]) == "ready"
    assert printed[0].count("<section>") == 2
    assert assessed.reference in printed[0] and other.reference in printed[0]
    ready = officer_client.get(response["Location"])
    assert b"".join(ready.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({}, "Say whether you have a conflict of interest"),
        ({"conflict": "yes"}, "Say what the conflict of interest is"),
        (
            {"conflict": "yes", "conflict_note": "x" * 1001},
            "What the conflict is must be 1,000 characters or fewer",
        ),
    ],
)
def test_a_declaration_not_recorded_says_so_at_the_top(client, assessed, ash, data, problem):
    client.force_login(ash)
    response = client.post(f"/admin/applications/application/{assessed.pk}/declare/", data)
    page = response.content.decode()
    messages_list = page.split('class="messagelist"')[1].split("</ul>")[0]
    assert "Your declaration was not recorded" in messages_list
    assert problem in messages_list
