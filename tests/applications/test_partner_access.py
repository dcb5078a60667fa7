"""The access matrix of partners, successors and predecessors (docs/security.md,
"Partners, successors and predecessors"): every URL of a bid, its documents,
its award and its savings return, for every council persona.

Two bids:
- A, approved with an award and a savings return (a line with evidence), led
  by Lead council, which was later abolished and succeeded by Successor
  council. It names Partner (confirmed), Declined (declined) and Waiting (not
  yet answered); one document is shared with partners, one is not.
- B, a draft led by Successor council, naming Partner (confirmed) and
  Waiting (not yet answered).

The personas are users of: the lead council ("lead"), the confirmed partner
("partner"), the partner that declined ("declined"), the partner yet to
answer ("waiting", its council lead), a council named on neither ("outsider"),
the successor ("successor") and the successor of the confirmed partner
("heir": Partner was abolished after both bids, and Heir took over its area).
For bid B the lead council's user is the predecessor, and the successor's
user its lead.

Everything not theirs is 404: every page that changes a record (GET and POST)
is 404 to everyone but its lead council, read-only readers included; the
read-only pages open to the lead, its successors and (the bid, shared
documents, its confirmation page and the award, never the lead's returns) to
a confirmed partner and its successors; a partner yet to answer sees only the
summary on its confirmation page. A successor reads; it never answers.
"""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from applications import services
from applications.models import Application, PartnerConfirmation
from programmes.models import Council
from programmes.permissions import SYSTEM
from programmes.returns.models import SavingsReturn
from programmes.roles import APPLICANT
from programmes.services import strands_sync
from savings.models import Investment, SavingsEntry
from tests import pdfs
from tests.applications.bids import bid_completed
from tests.conftest import shared_by_the_module
from tests.factories import CallFactory, CouncilFactory, ReportingCallFactory, UserFactory
from tests.savings.returns import AWARDED, first_return, line

pytestmark = pytest.mark.django_db

PERSONAS = ("lead", "partner", "declined", "waiting", "outsider", "successor", "heir")

# Pages that only show a record, and who reads them (by relation to the bid).
READS = {
    "bid_detail": {"lead", "successor", "partner", "heir"},
    "document_private": {"lead", "successor"},
    "document_shared": {"lead", "successor", "partner", "heir"},
    # A successor of the confirmed partner reads its predecessor's answer.
    "partner_answer": {"partner", "waiting", "heir"},
    "award_detail": {"lead", "successor", "partner", "heir"},
    "return_detail": {"lead", "successor"},
    "evidence_download": {"lead", "successor"},
    # The partner's own return on the shared award: the lead (and its
    # successor) and the partner's successor read it; no other council does
    # (docs/savings.md, "Shared awards").
    "partner_return_detail": {"partner", "lead", "successor", "heir"},
    "partner_evidence_download": {"partner", "lead", "successor", "heir"},
}
# Pages that change a record: the lead council's only (GET and POST).
WRITES = (
    "question",
    "check_answers",
    "declaration",
    "confirmation",
    "document_list",
    "document_remove",
    "document_share",
    "respond",
    "withdraw",
    "return_create",
    "return_line_add",
    "return_line_change",
    "return_line_remove",
    "return_check",
    "return_confirmation",
    "return_take_back",
    "partner_return_line_add",
    "partner_return_line_change",
    "partner_return_line_remove",
    "partner_return_check",
    "partner_return_confirmation",
    "partner_return_take_back",
)
# Pages that change the partner's own return: the partner's only.
PARTNER_WRITES = {page for page in WRITES if page.startswith("partner_")}
# A draft has no award, return or evidence.
NO_AWARD = {
    "award_detail",
    "return_detail",
    "evidence_download",
    "return_create",
    "return_line_add",
    "return_line_change",
    "return_line_remove",
    "return_check",
    "return_confirmation",
    "return_take_back",
    "document_shared",
    "partner_return_detail",
    "partner_evidence_download",
    *PARTNER_WRITES,
}
# Bid B's relations: the lead council's user is its predecessor, the
# successor's its lead; Declined is not named on it.
RELATION_B = {
    "lead": "predecessor",
    "partner": "partner",
    "declined": "outsider",
    "waiting": "waiting",
    "outsider": "outsider",
    "successor": "lead",
    "heir": "heir",
}


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdfs.PDF, content_type="application/pdf")


def _named(application: Application, *councils: Council) -> Application:
    return services.application_section_save(
        application=application,
        actor=SYSTEM,
        section="councils",
        answers={"partner_councils": list(councils)},
        version=None,
    )


def _answer(application: Application, council: Council, confirmed: bool) -> None:
    services.partner_answer(
        confirmation=PartnerConfirmation.objects.get(application=application, council=council),
        actor=SYSTEM,
        confirmed=confirmed,
        reason="" if confirmed else "Not part of our plans",
    )


@shared_by_the_module
def partner_world():
    """Seven councils, two bids, an award with returns and evidence: built
    once for the module's tests, which change nothing that outlives them (see
    shared_by_the_module)."""
    strands_sync()
    councils = {
        name: CouncilFactory(name=f"{name.title()} Council", short_name=name.title())
        for name in PERSONAS
    }
    users = {
        name: UserFactory(
            username=f"user-{name}", council=council, role=APPLICANT, is_council_lead=True
        )
        for name, council in councils.items()
    }
    # Bid A: approved, with an award, a return and evidence.
    a = bid_completed(ReportingCallFactory(), councils["lead"], SYSTEM)
    a = _named(a, councils["partner"], councils["declined"], councils["waiting"])
    _answer(a, councils["partner"], True)
    _answer(a, councils["declined"], False)
    private = services.document_add(application=a, actor=SYSTEM, upload=_pdf("budget.pdf"))
    shared = services.document_add(application=a, actor=SYSTEM, upload=_pdf("plan.pdf"))
    services.document_share(document=shared, actor=SYSTEM, shared=True)
    # The portal is held to the states only, so A goes with answers missing.
    a = services.application_submit(application=a, actor=SYSTEM, notify=False)
    a = services.application_assessment_start(application=a, actor=SYSTEM, notify=False)
    a = services.application_approve(
        application=a, actor=SYSTEM, award_amount=Decimal("8000"), at=AWARDED, notify=False
    )
    savings_return = first_return(a)
    entry = line(savings_return, document=_pdf("evidence.pdf"))
    partner_return = first_return(a, councils["partner"])
    partner_entry = line(partner_return, document=_pdf("partner-evidence.pdf"))
    # Bid B: the successor's draft.
    b = bid_completed(CallFactory(), councils["successor"], SYSTEM)
    b = _named(b, councils["partner"], councils["waiting"])
    _answer(b, councils["partner"], True)
    b_document = services.document_add(application=b, actor=SYSTEM, upload=_pdf("draft.pdf"))
    # Then the lead council was abolished; Successor took over its area.
    Council.objects.filter(pk=councils["lead"].pk).update(abolished_on=date(2023, 4, 1))
    councils["lead"].successors.add(councils["successor"])
    # And Partner too; Heir took over its area.
    Council.objects.filter(pk=councils["partner"].pk).update(abolished_on=date(2024, 4, 1))
    councils["partner"].successors.add(councils["heir"])
    award = Investment.objects.get(application=a)
    assert entry is not None and entry.document
    return {
        "councils": councils,
        "users": users,
        "urls": {
            "A": _urls(a, private.pk, shared.pk, award, savings_return, entry)
            | _partner_urls(partner_return, partner_entry),
            "B": _urls(b, b_document.pk, None, None, None, None),
        },
    }


@pytest.fixture
def world(partner_world, db, settings):
    partner_world.files_copied(settings)
    return partner_world.records


def _urls(bid, private, shared, award, savings_return, entry) -> dict[str, str]:
    ref = f"/bids/{bid.reference}"
    urls = {
        "bid_detail": f"{ref}/",
        "document_private": f"{ref}/documents/{private}/",
        "partner_answer": f"{ref}/partner/",
        "question": f"{ref}/questions/about/",
        "check_answers": f"{ref}/check-your-answers/",
        "declaration": f"{ref}/declaration/",
        "confirmation": f"{ref}/confirmation/",
        "document_list": f"{ref}/documents/",
        "document_remove": f"{ref}/documents/{private}/remove/",
        "document_share": f"{ref}/documents/{private}/share/",
        "respond": f"{ref}/respond/",
        "withdraw": f"{ref}/withdraw/",
    }
    if award is not None:
        ret = f"/savings/returns/{savings_return.pk}"
        urls |= {
            "document_shared": f"{ref}/documents/{shared}/",
            "award_detail": f"/savings/awards/{award.pk}/",
            "return_create": f"/savings/awards/{award.pk}/report/",
            "return_detail": f"{ret}/",
            "evidence_download": f"/savings/evidence/{entry.pk}/",
            "return_line_add": f"{ret}/lines/add/",
            "return_line_change": f"{ret}/lines/{entry.pk}/change/",
            "return_line_remove": f"{ret}/lines/{entry.pk}/remove/",
            "return_check": f"{ret}/check/",
            "return_confirmation": f"{ret}/sent/",
            "return_take_back": f"{ret}/correct/",
        }
    return urls


def _partner_urls(savings_return, entry) -> dict[str, str]:
    ret = f"/savings/returns/{savings_return.pk}"
    return {
        "partner_return_detail": f"{ret}/",
        "partner_evidence_download": f"/savings/evidence/{entry.pk}/",
        "partner_return_line_add": f"{ret}/lines/add/",
        "partner_return_line_change": f"{ret}/lines/{entry.pk}/change/",
        "partner_return_line_remove": f"{ret}/lines/{entry.pk}/remove/",
        "partner_return_check": f"{ret}/check/",
        "partner_return_confirmation": f"{ret}/sent/",
        "partner_return_take_back": f"{ret}/correct/",
    }


def expected(relation: str, page: str) -> str:
    """ "ok" (theirs: any answer but 404) or "404"."""
    if page in READS:
        return "ok" if relation in READS[page] else "404"
    if page in PARTNER_WRITES:
        return "ok" if relation == "partner" else "404"
    return "ok" if relation == "lead" else "404"


def cases() -> list[tuple[str, str, str, str]]:
    """(bid, persona, page, method) for every cell of the matrix."""
    found = []
    for bid, relations in (("A", {p: p for p in PERSONAS}), ("B", RELATION_B)):
        for persona in PERSONAS:
            for page in [*READS, *WRITES]:
                if bid == "B" and page in NO_AWARD:
                    continue
                if not page.endswith("return_take_back"):  # POST only, like every write below
                    found.append((bid, persona, page, "GET"))
                owner = "partner" if page in PARTNER_WRITES else "lead"
                if page in WRITES and relations[persona] != owner:
                    found.append((bid, persona, page, "POST"))
    return found


CASES = cases()


def _state(world) -> list:
    """What a refused POST must leave as it was."""
    return [
        list(Application.objects.order_by("pk").values_list("state", "version", "title")),
        list(PartnerConfirmation.objects.order_by("pk").values_list("status")),
        list(SavingsReturn.objects.order_by("pk").values_list("state")),
        list(SavingsEntry.objects.order_by("pk").values_list("amount")),
        sorted(Application.objects.values_list("documents__pk", "documents__shared_with_partners")),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_reaches_only_what_is_theirs(persona, world):
    client = Client()
    client.force_login(world["users"][persona])
    before = _state(world)
    wrong = []
    for bid, who, page, method in CASES:
        if who != persona:
            continue
        relation = persona if bid == "A" else RELATION_B[persona]
        url = world["urls"][bid][page]
        if method == "GET":
            status = client.get(url).status_code
        else:
            status = client.post(
                url, {"title": "Hijacked", "note": "x", "confirm": "on"}
            ).status_code
        want = expected(relation, page)
        if (want == "404") != (status == 404) or status >= 500:
            wrong.append(f"{method} {page} of bid {bid} as {relation}: {status}, expected {want}")
    assert wrong == []
    assert _state(world) == before


def test_the_matrix_size():
    # 7 personas x the pages of two bids, GET and the refused POSTs.
    # 72 of them the partner's own return on the shared award (with the
    # partner's successor's, 84).
    assert len(CASES) == 473, len(CASES)


def test_a_successor_reads_its_predecessors_bid_without_changing_it(world):
    client = Client()
    client.force_login(world["users"]["successor"])
    html = client.get(world["urls"]["A"]["bid_detail"]).content.decode()
    assert "took over Lead Council's area, so you can read this bid" in html
    assert "Withdraw this bid" not in html
    award = client.get(world["urls"]["A"]["award_detail"]).content.decode()
    assert "Report realised savings" not in award
    assert "Savings returns</caption>" in award
    ret = client.get(world["urls"]["A"]["return_detail"]).content.decode()
    assert "you can read this return" in ret
    assert "Add savings" not in ret


def test_a_partner_reads_the_award_but_not_the_lead_councils_savings(world):
    client = Client()
    client.force_login(world["users"]["partner"])
    html = client.get(world["urls"]["A"]["award_detail"]).content.decode()
    assert "Your council is a partner on this award" in html
    assert "£8,000.00" in html
    # Its own council's returns, not the lead's.
    assert "Your council's savings returns on this award</caption>" in html
    assert world["urls"]["A"]["partner_return_detail"] in html
    assert world["urls"]["A"]["return_detail"] not in html
    assert "Report realised savings" not in html


def test_the_lead_reads_its_partners_return_without_changing_it(world):
    client = Client()
    client.force_login(world["users"]["lead"])
    award = client.get(world["urls"]["A"]["award_detail"]).content.decode()
    assert "Partner councils' savings returns</caption>" in award
    assert world["urls"]["A"]["partner_return_detail"] in award
    ret = client.get(world["urls"]["A"]["partner_return_detail"]).content.decode()
    assert "Partner Council is a partner on your council's award" in ret
    assert "Add savings" not in ret


def test_the_successor_lists_its_predecessors_bids_and_the_predecessor_never_the_successors(
    world,
):
    successor = Client()
    successor.force_login(world["users"]["successor"])
    home = successor.get("/bids/").content.decode()
    assert "Bids of the councils Successor Council replaced" in home
    assert world["urls"]["A"]["bid_detail"] in home
    predecessor = Client()
    predecessor.force_login(world["users"]["lead"])
    assert world["urls"]["B"]["bid_detail"] not in predecessor.get("/bids/").content.decode()


def _read(client: Client, url: str) -> str:
    """The page's text as a reader sees it (entities such as &#x27; decoded)."""
    return html.unescape(client.get(url).content.decode())


def test_a_partners_successor_reads_its_answer_and_never_answers(world):
    client = Client()
    client.force_login(world["users"]["heir"])
    url = world["urls"]["A"]["partner_answer"]
    page = _read(client, url)
    assert "names Partner Council as a partner" in page
    assert "Heir Council took over Partner Council's area" in page
    assert "Partner Council's answer" in page
    assert "Confirmed" in page
    assert "Yes, confirm that my council is a partner" not in page
    before = _state(world)
    # Bid B is a draft on which Partner confirmed: nothing for the heir to send.
    assert (
        client.post(world["urls"]["B"]["partner_answer"], {"answer": "decline"}).status_code == 403
    )
    assert _state(world) == before


def test_a_waiting_partners_successor_reads_the_summary_but_cannot_answer(world):
    waiting = world["councils"]["waiting"]
    heir = CouncilFactory(name="Waiting Heir Council")
    Council.objects.filter(pk=waiting.pk).update(abolished_on=date(2024, 4, 1))
    waiting.successors.add(heir)
    client = Client()
    client.force_login(
        UserFactory(
            username="user-waiting-heir", council=heir, role=APPLICANT, is_council_lead=True
        )
    )
    url = world["urls"]["B"]["partner_answer"]
    page = _read(client, url)
    assert "Waiting for Waiting Council's answer" in page
    assert "Only Waiting Council's council lead can confirm or decline" in page
    assert "Yes, confirm that my council is a partner" not in page
    assert client.post(url, {"answer": "confirm"}).status_code == 403
    reference = url.split("/")[2]
    answer = PartnerConfirmation.objects.get(application__reference=reference, council=waiting)
    assert answer.is_pending


def test_a_partners_successor_reads_the_bid_award_and_the_partners_returns(world):
    client = Client()
    client.force_login(world["users"]["heir"])
    bid = _read(client, world["urls"]["A"]["bid_detail"])
    assert "Heir Council took over Partner Council's area, and Partner Council is a partner" in bid
    assert "Your council is a partner" not in bid
    award = _read(client, world["urls"]["A"]["award_detail"])
    assert "Heir Council took over Partner Council's area" in award
    assert "Savings returns on this award you can read</caption>" in award
    # The partner's returns, named, with their links; never the lead's.
    assert world["urls"]["A"]["partner_return_detail"] in award
    assert world["urls"]["A"]["return_detail"] not in award
    assert "Report realised savings" not in award
    ret = _read(client, world["urls"]["A"]["partner_return_detail"])
    assert "Heir Council took over Partner Council's area, so you can read this return" in ret
    assert "Add savings" not in ret


def test_the_leads_successor_is_told_why_it_reads_a_partners_return(world):
    client = Client()
    client.force_login(world["users"]["successor"])
    ret = _read(client, world["urls"]["A"]["partner_return_detail"])
    assert (
        "Successor Council took over Lead Council's area. Partner Council is a partner "
        "on Lead Council's award" in ret
    )
    assert "took over Partner Council's area" not in ret
    assert "Add savings" not in ret
