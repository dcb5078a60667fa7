"""The role x URL matrix over every URL of the council journey and of documents.

Partners, successors and predecessors have their own matrix
(tests/applications/test_partner_access.py).

Personas: an applicant of the bid's council (owner), an applicant of another
council, an LGA officer, a board member, an officer and a board member by
group alone (not staff: the role decides) and an anonymous visitor. Outsiders
get 404 (they must not learn a bid exists), officers and board members 403
(they never act through the council journey; officers may download documents),
anonymous visitors are sent to sign in.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from applications import services
from applications.models import Application, ApplicationState
from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER
from tests import pdfs
from tests.applications.bids import bid_completed, bid_more_information, bid_submitted
from tests.conftest import force_login_with_both_factors, shared_by_the_module
from tests.factories import CallFactory, CouncilFactory, UserFactory, decides_awards

PERSONAS = (
    "owner",
    "other_council",
    "officer",
    "board",
    "officer_by_group",
    "board_by_group",
    "anonymous",
)
PDF = pdfs.PDF

# url name: (kind of bid it needs, expected GET status per persona)
COUNCIL_ONLY = {
    "owner": 200,
    "other_council": 404,
    "officer": 403,
    "board": 403,
    "officer_by_group": 403,
    "board_by_group": 403,
    "anonymous": 302,
}
MATRIX = {
    "bid_list": (None, {**COUNCIL_ONLY, "other_council": 200}),
    "call_start": (None, {**COUNCIL_ONLY, "other_council": 200}),
    "bid_detail": ("draft", COUNCIL_ONLY),
    "question": ("draft", COUNCIL_ONLY),
    "check_answers": ("draft", COUNCIL_ONLY),
    "declaration": ("draft", COUNCIL_ONLY),
    "confirmation": ("submitted", COUNCIL_ONLY),
    "document_list": ("draft", COUNCIL_ONLY),
    "document_download": ("draft", {**COUNCIL_ONLY, "officer": 200, "officer_by_group": 200}),
    "document_remove": ("draft", COUNCIL_ONLY),
    "document_share": ("draft", COUNCIL_ONLY),
    # A partner council's page: the bid's own council is not its partner.
    "partner_answer": ("draft", {**COUNCIL_ONLY, "owner": 404}),
    "respond": ("more_information", COUNCIL_ONLY),
    "withdraw": ("draft", COUNCIL_ONLY),
}
# POSTs that change something: every persona but the owner is refused, and nothing changes.
WRITES = [
    "call_start",
    "question",
    "declaration",
    "document_list",
    "document_remove",
    "document_share",
    "partner_answer",
    "respond",
    "withdraw",
]
POST_REFUSED = {persona: status for persona, status in COUNCIL_ONLY.items() if persona != "owner"}


@shared_by_the_module
def access_world():
    """The personas (as tests/conftest.py makes them), three bids and a document,
    built once for the module's tests, which only read them (see
    shared_by_the_module): building them for each of the ~150 cases was most
    of the module's time."""
    council_a = CouncilFactory(
        name="Allerdale Borough Council", short_name="Allerdale", gss_code="E07000026"
    )
    council_b = CouncilFactory(
        name="Wyre Forest District Council", short_name="Wyre Forest", gss_code="E07000239"
    )
    applicant_a = UserFactory(username="applicant-a", council=council_a, role=APPLICANT)
    officer = decides_awards(UserFactory(username="officer", is_staff=True, role=OFFICER))
    experts_call = CallFactory(title="Productivity Experts 2013/14")
    # A council has one draft per call: the sent bids first, the draft last.
    submitted = bid_submitted(experts_call, council_a, applicant_a)
    more_information = bid_more_information(experts_call, council_a, applicant_a, officer)
    draft = bid_completed(experts_call, council_a, applicant_a)
    document = services.document_add(
        application=draft,
        actor=applicant_a,
        upload=SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
    )
    users = {
        "owner": applicant_a,
        "other_council": UserFactory(username="applicant-b", council=council_b, role=APPLICANT),
        "officer": officer,
        "board": UserFactory(username="board", role=BOARD_MEMBER),
        "officer_by_group": decides_awards(
            UserFactory(username="officer-by-group", role=OFFICER, is_staff=False)
        ),
        "board_by_group": UserFactory(username="board-by-group", role=BOARD_MEMBER, is_staff=False),
    }
    clients = {"anonymous": Client()}
    for name, user in users.items():
        clients[name] = Client()
        # With both factors, as the tests' force_login gives them.
        force_login_with_both_factors(clients[name], user)
    bids = {
        "draft": draft,
        "document": document,
        "submitted": submitted,
        "more_information": more_information,
    }
    return {"bids": bids, "clients": clients, "experts_call": experts_call}


@pytest.fixture
def bids(access_world, db, settings):
    access_world.files_copied(settings)
    return access_world.records["bids"]


@pytest.fixture
def clients(access_world, db):
    return access_world.records["clients"]


@pytest.fixture
def experts_call(access_world, db):
    return access_world.records["experts_call"]


def url_for(name: str, bids: dict, experts_call) -> str:
    kind = MATRIX[name][0]
    if name == "bid_list":
        return "/bids/"
    if name == "call_start":
        return f"/bids/calls/{experts_call.pk}/start/"
    ref = bids[kind].reference
    suffix = {
        "bid_detail": "",
        "question": "questions/about/",
        "check_answers": "check-your-answers/",
        "declaration": "declaration/",
        "confirmation": "confirmation/",
        "document_list": "documents/",
        "document_download": f"documents/{bids['document'].pk}/",
        "document_remove": f"documents/{bids['document'].pk}/remove/",
        "document_share": f"documents/{bids['document'].pk}/share/",
        "partner_answer": "partner/",
        "respond": "respond/",
        "withdraw": "withdraw/",
    }[name]
    return f"/bids/{ref}/{suffix}"


CASES = [(name, persona) for name in MATRIX for persona in PERSONAS]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "persona"), CASES, ids=[f"GET {n} as {p}" for n, p in CASES])
def test_get_matrix(name, persona, bids, clients, experts_call):
    response = clients[persona].get(url_for(name, bids, experts_call))
    assert response.status_code == MATRIX[name][1][persona]
    if response.status_code == 302:
        assert response["Location"].startswith("/sign-in/?next=")


# Any council may start a bid on an open call, so that one POST is not a refusal.
POST_CASES = [
    (name, persona)
    for name in WRITES
    for persona in POST_REFUSED
    if (name, persona) != ("call_start", "other_council")
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "persona"), POST_CASES, ids=[f"POST {n} as {p}" for n, p in POST_CASES]
)
def test_post_matrix_refuses_everyone_but_the_owner(name, persona, bids, clients, experts_call):
    before = list(Application.objects.order_by("pk").values_list("state", "version", "title"))
    expected = POST_REFUSED[persona]
    response = clients[persona].post(
        url_for(name, bids, experts_call), {"title": "Hijacked", "note": "x", "confirm": "on"}
    )
    assert response.status_code == expected
    after = list(Application.objects.order_by("pk").values_list("state", "version", "title"))
    assert after == before
    assert bids["document"].__class__.objects.filter(pk=bids["document"].pk).exists()
    bids["document"].refresh_from_db()
    assert not bids["document"].shared_with_partners


def test_the_matrix_covers_every_url_of_the_journey():
    from applications.urls import urlpatterns

    assert {pattern.name for pattern in urlpatterns} == set(MATRIX)


@pytest.mark.django_db
def test_officers_never_see_the_council_journey_of_a_state_they_could_change(
    clients, bids, experts_call
):
    assert bids["submitted"].state == ApplicationState.SUBMITTED
    response = clients["officer"].get(f"/bids/{bids['submitted'].reference}/")
    assert response.status_code == 403
