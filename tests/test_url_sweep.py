"""Every page outside /admin/, for every persona, with real and malformed path values.

Personas: anonymous, a user of each demo council (Allerdale, Wyre Forest),
Wyre Forest's finance officer (who certifies its savings returns), an
officer and a board member.

The patterns are read from the URLconf, so a new page is swept without
touching this file: pages named in `_real_cases` get path values from real
records (with the council that owns each, for the outsider check); any other
page gets every real value known for its parameter names. No response may be
a 500, and an applicant never learns that another council's record exists.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from applications import services as bid_services
from applications.models import Application, ApplicationState, Call, DocumentPurpose
from applications.sections import sections_for
from programmes import printing
from programmes.asce.models import PositionReport
from programmes.board import money as board_money
from programmes.board import selectors as board_selectors
from programmes.experts.models import CaseStudy
from programmes.models import Council, Strand, User
from programmes.ope.models import Pilot
from programmes.payments.models import Claim, Commitment
from programmes.returns.models import SavingsReturn
from programmes.selectors import council_successors
from savings import services as savings_services
from savings.models import Investment, SavingsEntry
from tests import pdfs

PERSONAS = (
    "anonymous",
    "applicant_a",
    "applicant_b",
    "finance_b",
    "successor",
    "officer",
    "board",
)
DEMO_USERS = {
    "applicant_a": "demo-allerdale",
    "applicant_b": "demo-wyreforest",
    # Wyre Forest's finance officer, who certifies its savings returns.
    "finance_b": "demo-finance",
    # Allerdale's successor (docs/councils.md): reads Allerdale's records.
    "successor": "demo-cumberland",
    "officer": "demo-officer",
    "board": "demo-board",
}

# Malformed values per converter: an unknown reference, a NUL, an over-long
# value, a path-traversal segment; an id of 0 and one past bigint (PostgreSQL
# refuses it in a query rather than finding nothing).
MALFORMED = {
    "str": ["ZZ-0000-0000", "%00", "y" * 300, ".."],
    "int": ["0", "99999999999999999999"],
    "slug": ["x" * 300, "no-such-thing"],
    "path": ["%00", "x" * 300],
}
GARBAGE_QUERIES = ["?date=2013-02-30", "?date=%00", "?page=abc", "?return=%00&date=31/31/2013"]
PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
# Server errors already reported to the owners of the code at fault: the sweep
# lists them without failing, and a strict xfail test below holds each, so the
# fix shows up as an XPASS and the entry here is removed with it.
# Server errors found and not yet fixed, each held by a strict xfail test:
# {name: pattern of the paths that show it}.
KNOWN_SERVER_ERRORS: dict[str, re.Pattern] = {}
PDF = pdfs.PDF


@dataclass(frozen=True)
class Page:
    route: str  # e.g. "bids/<str:reference>/questions/<slug:slug>/"
    name: str  # e.g. "applications:question"

    @property
    def params(self) -> list[tuple[str, str]]:
        return [(m["name"], m["converter"] or "str") for m in PARAM.finditer(self.route)]

    def url(self, values: dict[str, str], *, raw: bool = False) -> str:
        """The path with `values` in place; `raw` puts them in unquoted (malformed ones)."""

        def fill(match: re.Match) -> str:
            value = str(values[match["name"]])
            return value if raw else quote(value, safe="")

        return "/" + PARAM.sub(fill, self.route)


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Page | str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if not isinstance(entry.pattern, RoutePattern):
                yield f"{prefix}{entry.pattern}: not a path() route, cannot be swept"
                continue
            route = prefix + str(entry.pattern)
            if route.startswith("admin/"):
                continue
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            if not isinstance(entry.pattern, RoutePattern):
                yield f"{prefix}{entry.pattern}: not a path() route, cannot be swept"
                continue
            name = ":".join(part for part in (namespace, entry.name or "") if part)
            yield Page(prefix + str(entry.pattern), name)


def pages() -> list[Page | str]:
    return list(_walk(get_resolver().url_patterns))


@dataclass(frozen=True)
class Case:
    values: dict
    owner: int | None  # the council whose record this is; None for shared pages
    # Other councils that may open it (docs/security.md, "Partners, successors
    # and predecessors"): partners named on the bid (not those that declined)
    # and the successors of these and of the owner. Exactly who sees what is
    # tests/applications/test_partner_access.py's matrix.
    readers: frozenset[int] = frozenset()


def _readers(*councils: int, bid: Application | None = None) -> frozenset[int]:
    named = set(councils)
    if bid is not None:
        named |= set(
            bid.partner_confirmations.exclude(status="declined").values_list(
                "council_id", flat=True
            )
        )
    return frozenset(named | {s.pk for pk in named for s in council_successors(Council(pk=pk))})


def _sweep_data() -> None:
    """What the demo lacks: documents on bids and a savings return with evidence."""
    allerdale = User.objects.get(username="demo-allerdale")
    wyre_forest = User.objects.get(username="demo-wyreforest")
    draft = Application.objects.get(lead_council=wyre_forest.council, state=ApplicationState.DRAFT)
    bid_services.document_add(
        application=draft,
        actor=wyre_forest,
        upload=SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
    )
    asking = Application.objects.get(
        lead_council=wyre_forest.council, state=ApplicationState.MORE_INFORMATION
    )
    bid_services.document_add(
        application=asking,
        actor=wyre_forest,
        upload=SimpleUploadedFile("answer.pdf", PDF, content_type="application/pdf"),
        purpose=DocumentPurpose.RESPONSE,
    )
    for user in (allerdale, wyre_forest):
        award = Investment.objects.filter(council=user.council, application__isnull=False).first()
        savings_services.savings_return_submit(
            actor=user,
            award=award,
            financial_year="2013/14",
            amount=Decimal("1000"),
            evidence="Invoices checked by the finance team",
            document=SimpleUploadedFile("evidence.pdf", PDF),
        )


def _bids() -> list[Application]:
    """Every bid of the two applicants' councils, and one bid in each state."""
    councils = list(
        User.objects.filter(
            username__in=["demo-allerdale", "demo-wyreforest", "demo-cumberland"]
        ).values_list("council_id", flat=True)
    )
    theirs = Application.objects.filter(
        Q(lead_council_id__in=councils) | Q(partner_confirmations__council_id__in=councils)
    ).distinct()
    chosen = {bid.pk: bid for bid in theirs}
    for state in ApplicationState.values:
        other = Application.objects.filter(state=state).exclude(pk__in=chosen).first()
        if other is not None:
            chosen[other.pk] = other
    return list(
        Application.objects.filter(pk__in=chosen).select_related("call__strand", "lead_council")
    )


def _real_cases() -> dict[str, list[Case]]:
    bids = _bids()
    readers = {bid.pk: _readers(bid.lead_council_id, bid=bid) for bid in bids}
    by_bid = [
        Case({"reference": bid.reference}, bid.lead_council_id, readers[bid.pk]) for bid in bids
    ]
    questions = [
        Case(
            {"reference": bid.reference, "slug": section.slug},
            bid.lead_council_id,
            readers[bid.pk],
        )
        for bid in bids
        # Pages of a sent bid only redirect to it: the first one is enough.
        for section in sections_for(bid)[: None if bid.is_draft else 1]
    ]
    documents = [
        Case({"reference": bid.reference, "pk": document.pk}, bid.lead_council_id, readers[bid.pk])
        for bid in bids
        for document in bid.documents.all()
    ]
    awards = [
        Case({"pk": award.pk}, award.council_id, readers[award.application_id])
        for award in Investment.objects.filter(application__in=bids)
    ]
    returns = [
        Case(
            {"pk": savings_return.pk},
            savings_return.application.lead_council_id,
            # Its council's successors read it; partners do not.
            _readers(savings_return.application.lead_council_id),
        )
        for savings_return in SavingsReturn.objects.filter(application__in=bids).select_related(
            "application"
        )
    ]
    councils = list(Council.objects.filter(pk__in={bid.lead_council_id for bid in bids}))
    overview_tables = list(board_selectors.programme_overview().tables)
    strand_tables = [
        (strand.key, table)
        for strand in Strand.objects.all()
        for table in board_selectors.strand_page(strand=strand).tables
    ]
    council_tables = [
        (council.pk, table)
        for council in councils
        for table in board_selectors.council_page(council=council).tables
    ]
    return {
        "applications:call_start": [
            Case({"call_id": pk}, None) for pk in Call.objects.values_list("pk", flat=True)
        ],
        **{
            f"applications:{name}": by_bid
            for name in (
                "bid_detail",
                "check_answers",
                "declaration",
                "confirmation",
                "document_list",
                "partner_answer",
                "respond",
                "withdraw",
            )
        },
        "applications:question": questions,
        "applications:document_download": documents,
        "applications:document_remove": documents,
        "applications:document_share": documents,
        "asce:report_document": [
            Case({"slug": slug}, None)
            for slug in PositionReport.objects.values_list("slug", flat=True)
        ],
        **{
            f"growth:{name}": [
                case
                for case, bid in zip(by_bid, bids, strict=True)
                if bid.call.strand.key == "growth"
            ]
            for name in ("adviser_support", "adviser_choose", "days_log")
        },
        "board:overview_csv": [Case({"table": table}, None) for table in overview_tables],
        "board:strand": [
            Case({"key": key}, None) for key in Strand.objects.values_list("key", flat=True)
        ],
        "board:strand_csv": [
            Case({"key": key, "table": table}, None) for key, table in strand_tables
        ],
        "board:council": [Case({"pk": council.pk}, None) for council in councils],
        "board:council_csv": [
            Case({"pk": pk, "table": table}, None) for pk, table in council_tables
        ],
        "savings:award_detail": awards,
        "savings:return_create": awards,
        **{
            f"savings:{name}": returns
            for name in ("return_detail", "return_certify", "return_not_certified")
        },
        "savings:evidence_download": [
            Case({"pk": entry.pk}, entry.council_id, _readers(entry.council_id))
            for entry in SavingsEntry.objects.exclude(document="")
        ],
        "ope:plan": [Case({"pk": pilot.pk}, pilot.council_id) for pilot in Pilot.objects.all()],
        **{
            f"payments:{name}": [
                Case({"pk": commitment.pk}, commitment.council_id)
                for commitment in Commitment.objects.all()[:20]
            ]
            for name in ("award_claims", "claim_create")
        },
        "payments:evidence_download": [
            Case({"pk": claim.pk}, claim.council_id)
            for claim in Claim.objects.exclude(evidence="")[:20]
        ],
        "board:money_csv": [
            Case({"table": table}, None) for table in board_money.money_page().tables
        ],
        "public:item": [
            Case({"section": "case-studies", "slug": slug}, None)
            for slug in CaseStudy.objects.values_list("slug", flat=True)
        ],
    }


def _generic_cases(page: Page, known: dict[str, list[Case]]) -> list[Case]:
    """A page nobody described yet: every real value seen for its parameter names."""
    seen: dict[str, set] = {}
    for cases in known.values():
        for case in cases:
            for name, value in case.values.items():
                seen.setdefault(name, set()).add(value)
    names = [name for name, _ in page.params]
    choices = [sorted(seen.get(name, {"1"}), key=str)[:5] for name in names]
    return [Case(dict(zip(names, combo, strict=True)), None) for combo in product(*choices)]


def _clients() -> dict[str, Client]:
    clients = {}
    for persona in PERSONAS:
        client = Client(raise_request_exception=False)
        if persona in DEMO_USERS:
            client.force_login(User.objects.get(username=DEMO_USERS[persona]))
        clients[persona] = client
    return clients


def _summary(response) -> str:
    if getattr(response, "exc_info", None):
        _, error, trace = response.exc_info
        frame = trace
        while frame.tb_next is not None:
            frame = frame.tb_next
        where = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}"
        return f"{type(error).__name__}: {str(error)[:200]} at {where}"
    return "500 without an exception"


@pytest.fixture
def sweep_data(demo, monkeypatch):
    _sweep_data()
    # Thousands of expected 403s and 404s would bury the report of a failure.
    monkeypatch.setattr(logging.getLogger("django.request"), "disabled", True)
    # The PDF of the board update is printed by headless Chromium, seconds a
    # request; the sweep checks the page that is printed, not the printer.
    monkeypatch.setattr(printing, "pdf_from_html", lambda html, **margins: PDF)


@pytest.mark.django_db
def test_every_page_answers_every_persona_without_a_server_error(sweep_data):
    found = pages()
    unsweepable = [entry for entry in found if isinstance(entry, str)]
    swept = [entry for entry in found if isinstance(entry, Page)]
    real = _real_cases()
    clients = _clients()
    applicant_councils = {
        persona: User.objects.get(username=DEMO_USERS[persona]).council_id
        for persona in ("applicant_a", "applicant_b", "finance_b", "successor")
    }
    failures: list[str] = []
    known: list[str] = []
    leaks: list[str] = []
    requests = 0

    def get(persona: str, url: str) -> int:
        nonlocal requests
        requests += 1
        response = clients[persona].get(url)
        # 503 is what /healthz is for (a check failing, e.g. no worker here);
        # it must still be the health JSON, never an error page.
        designed = response.status_code == 503 and response.get("Content-Type") == (
            "application/json"
        )
        if response.status_code >= 500 and not designed:
            report = f"{persona} GET {url[:120]!r} -> {response.status_code}: {_summary(response)}"
            path = response.request["PATH_INFO"]
            if any(bug.match(path) for bug in KNOWN_SERVER_ERRORS.values()):
                known.append(report)
            else:
                failures.append(report)
        return response.status_code

    for page in swept:
        cases = real.get(page.name) or _generic_cases(page, real)
        if not page.params:
            cases = [Case({}, None)]
        assert cases, f"no real path values for {page.name} ({page.route})"
        for persona in PERSONAS:
            missing = {}
            # Malformed values, one parameter at a time, the others real.
            for index, (name, converter) in enumerate(page.params):
                for bad in MALFORMED.get(converter, MALFORMED["str"]):
                    values = {**cases[0].values, name: bad}
                    status = get(persona, page.url(values, raw=True))
                    missing.setdefault(index, status)
            for case in cases:
                status = get(persona, page.url(case.values))
                council = applicant_councils.get(persona)
                outsider = (
                    council is not None
                    and case.owner not in (None, council)
                    and council not in case.readers
                )
                # Someone else's record must look exactly like one that does
                # not exist: 404, or the 403 of a page the role never uses.
                if outsider and not (status == 404 or status == 403 == missing.get(0)):
                    leaks.append(f"{persona} GET {page.url(case.values)} -> {status}")
            for query in GARBAGE_QUERIES:
                get(persona, page.url(cases[0].values) + query)

    print(f"URL sweep: {len(swept)} patterns, {requests} requests")
    print(f"{len(known)} known server errors (held by xfail tests):", *known, sep="\n  ")
    assert not unsweepable, unsweepable
    assert len(swept) >= 35
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)
    assert not leaks, "another council's records are visible:\n" + "\n".join(leaks)


@pytest.mark.django_db
def test_a_reference_with_a_nul_is_not_found(applicant_a, officer):
    for user, path in [
        (applicant_a, "/bids/%00/"),
        (applicant_a, "/bids/%00/questions/about/"),
        (officer, "/growth-advisers/%00/"),
    ]:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        assert client.get(path).status_code == 404, path
