"""Board pages: read-only dashboards, their CSVs, the board papers, open data.

Board members and officers read the dashboards; applicants get 404 (the
pages are not theirs to know about); anonymous visitors are sent to sign in.
The open-data downloads are public.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import date

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from kombu.exceptions import OperationalError

from programmes.access import authenticated, role_required
from programmes.board import money, opendata_files, paper, printing, selectors
from programmes.board.charts import DataTable, bar_chart, csv_response
from programmes.board.forms import AsAtForm, as_at_form
from programmes.board.models import BoardPaper
from programmes.board.opendata import csv_lines, package_json_chunks
from programmes.documents import private_storage
from programmes.models import Council, Strand
from programmes.pagination import paginate
from programmes.returns.selectors import returns_summary
from programmes.roles import BOARD_MEMBER, OFFICER, user_role

# Board members and officers only; any other signed-in user gets 404.
board_page = role_required(BOARD_MEMBER, OFFICER, denied=Http404)


def _table_csv(
    tables: dict[str, DataTable], table: str, filename: str, as_at: date | None = None
) -> HttpResponse:
    if table not in tables:
        raise Http404("No such table")
    dated = f"-as-at-{as_at.isoformat()}" if as_at else ""
    return csv_response(tables[table], f"{filename}-{table}{dated}.csv")


class AsAt:
    """The date a board page's figures are as at, from its address
    (`?as_at=2013-07-09`, or the overview form's day, month and year).
    `date` None: now (no date, or one with errors, shown by `form`)."""

    def __init__(self, request: HttpRequest) -> None:
        self.form: AsAtForm | None = as_at_form(request.GET)
        self.date: date | None = None
        self.redirect: HttpResponse | None = None
        if self.form is not None and self.form.is_valid():
            self.date = self.form.cleaned_data["as_at"]
            if "as_at" not in request.GET:
                # The form's three fields: to the one address to share.
                self.redirect = redirect(f"{request.path}?as_at={self.date.isoformat()}")

    @property
    def status(self) -> int:
        return 400 if self.form is not None and self.form.errors else 200

    def context(self) -> dict:
        return {"as_at": self.date, "as_at_form": self.form or AsAtForm()}


def _csv_as_at(request: HttpRequest) -> date | None:
    """A CSV's date; a bad one is a 404 (the page that links to it says why)."""
    as_at = AsAt(request)
    if as_at.status != 200:
        raise Http404("Not a date the figures can be shown as at")
    return as_at.date


@board_page
def overview(request: HttpRequest) -> HttpResponse:
    as_at = AsAt(request)
    if as_at.redirect is not None:
        return as_at.redirect
    data = selectors.programme_overview(as_at=as_at.date)
    chart_table = selectors.savings_by_year_chart_table(data.tables["savings_by_year"])
    return render(
        request,
        "board/overview.html",
        {
            "data": data,
            "year_svg": bar_chart(chart_table, title="Savings by financial year"),
            "year_table": data.tables["savings_by_year"],
            **as_at.context(),
        },
        status=as_at.status,
    )


@board_page
def overview_csv(request: HttpRequest, table: str) -> HttpResponse:
    as_at = _csv_as_at(request)
    tables = selectors.programme_overview(as_at=as_at).tables
    return _table_csv(tables, table, "programme", as_at)


def _strand(key: str) -> Strand:
    return get_object_or_404(Strand, key=key)


@board_page
def strand(request: HttpRequest, key: str) -> HttpResponse:
    as_at = AsAt(request)
    if as_at.redirect is not None:
        return as_at.redirect
    data = selectors.strand_page(strand=_strand(key), as_at=as_at.date)
    context = {
        "data": data,
        "has_savings": bool(data.rollup.projected or data.rollup.realised),
        "returns": returns_summary(strand=data.strand, as_at=as_at.date),
        **as_at.context(),
    }
    if context["has_savings"]:
        context["year_svg"] = bar_chart(
            selectors.savings_by_year_chart_table(data.tables["savings_by_year"]),
            title=f"{data.strand.name}: savings by financial year",
        )
    # The strand's own charts (percentages), each beside its table.
    block = data.strand.spec.board
    context["charts"] = {
        key: bar_chart(data.tables[key], title=title, money=False)
        for key, title in (block.charts if block else ())
        if key in data.tables
    }
    return render(request, "board/strand.html", context, status=as_at.status)


@board_page
def strand_csv(request: HttpRequest, key: str, table: str) -> HttpResponse:
    as_at = _csv_as_at(request)
    tables = selectors.strand_page(strand=_strand(key), as_at=as_at).tables
    return _table_csv(tables, table, key, as_at)


@board_page
def money_out(request: HttpRequest) -> HttpResponse:
    """Budget, committed, claimed, paid, remaining and forecast (docs/money.md),
    now or as at a date (`?as_at=`, like the other board pages)."""
    as_at = AsAt(request)
    if as_at.redirect is not None:
        return as_at.redirect
    data = money.money_page(as_at=as_at.date)
    dated = f"?as_at={as_at.date.isoformat()}" if as_at.date else ""
    sections = []
    for year in data.years:
        key = data.table_key(year)
        chart_table = money.year_chart_table(year)
        sections.append(
            {
                "year": year.financial_year,
                "table": data.tables[key],
                "csv_url": reverse("board:money_csv", args=[key]) + dated,
                "figure_id": key,
                "headline": f"Budget, committed and paid by strand in {year.financial_year}",
                "svg": bar_chart(chart_table, title=chart_table.caption),
                "chart_table": chart_table,
            }
        )
    return render(
        request,
        "board/money.html",
        {
            "data": data,
            "sections": sections,
            "returns_csv": reverse("board:money_csv", args=["returns"]) + dated,
            "freshness": selectors.freshness(),
            **as_at.context(),
        },
        status=as_at.status,
    )


@board_page
def money_csv(request: HttpRequest, table: str) -> HttpResponse:
    as_at = _csv_as_at(request)
    return _table_csv(money.money_page(as_at=as_at).tables, table, "money-out", as_at)


@board_page
def councils(request: HttpRequest) -> HttpResponse:
    as_at = AsAt(request)
    if as_at.redirect is not None:
        return as_at.redirect
    rows = selectors.councils_with_figures(as_at=as_at.date)
    lineage = selectors.councils_lineage_names()
    return render(
        request,
        "board/councils.html",
        {
            # Each row with (its successors, its predecessors): the names the
            # list shows by it (docs/board.md, "Predecessors").
            "rows": [(row, *lineage.get(row.council_id or 0, ([], []))) for row in rows],
            "freshness": selectors.freshness(),
            **as_at.context(),
        },
        status=as_at.status,
    )


@board_page
def council(request: HttpRequest, pk: int) -> HttpResponse:
    as_at = AsAt(request)
    if as_at.redirect is not None:
        return as_at.redirect
    found = get_object_or_404(Council, pk=pk)
    data = selectors.council_page(council=found, as_at=as_at.date)
    year_svg = bar_chart(
        selectors.savings_by_year_chart_table(data.tables["savings_by_year"]),
        title=f"{data.council.short_name}: savings by financial year",
    )
    bids = paginate(
        request,
        selectors.council_bids_list(council=data.council, as_at=as_at.date),
        fragment="bids",
    )
    return render(
        request,
        "board/council.html",
        {
            "data": data,
            "year_svg": year_svg,
            "bids": bids.object_list,
            "pagination": bids,
            "returns": returns_summary(council=data.council, as_at=as_at.date),
            "lineage": selectors.council_lineage(
                council=data.council, as_at=as_at.date, own=data.rollup
            ),
            **as_at.context(),
        },
        status=as_at.status,
    )


@board_page
def council_csv(request: HttpRequest, pk: int, table: str) -> HttpResponse:
    council = get_object_or_404(Council, pk=pk)
    as_at = _csv_as_at(request)
    if table == "bids":
        # All the bids, where the page shows one page of them.
        bids = selectors.council_bids_table(council=council, as_at=as_at)
        dated = f"-as-at-{as_at.isoformat()}" if as_at else ""
        return csv_response(bids, f"council-{council.gss_code}-bids{dated}.csv")
    data = selectors.council_page(council=council, as_at=as_at)
    return _table_csv(data.tables, table, f"council-{data.council.gss_code}", as_at)


@board_page
def update(request: HttpRequest) -> HttpResponse:
    """The old generated update (`?date=` over today's figures) is gone: papers
    are records now. Its address leads to the board papers."""
    return redirect("board:papers")


def _is_officer(request: HttpRequest) -> bool:
    return user_role(authenticated(request).user) == OFFICER


@board_page
def papers(request: HttpRequest) -> HttpResponse:
    """Published papers for the board; officers see the drafts too."""
    officer = _is_officer(request)
    return render(
        request,
        "board/papers.html",
        {
            "papers": list(selectors.published_papers()),
            "drafts": list(selectors.draft_papers()) if officer else None,
        },
    )


def _paper(request: HttpRequest, pk: int) -> BoardPaper:
    found = selectors.paper_get(pk=pk, drafts=_is_officer(request))
    if found is None:
        raise Http404("No such paper")
    return found


@board_page
def paper_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A published paper exactly as published (its snapshot: no figure is
    recomputed), or, for an officer, a draft with today's figures."""
    found = _paper(request, pk)
    context: dict = {"view": paper.paper_view(found), "can_edit": _is_officer(request)}
    if not found.is_published:
        context["freshness"] = selectors.freshness()
    return render(request, "board/paper.html", context)


@board_page
def paper_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A published paper's PDF, printed once by the worker (programmes.board.printing)."""
    found = selectors.paper_get(pk=pk, drafts=False)
    if found is None:
        raise Http404("Only a published paper has a PDF")
    try:
        pdf = printing.paper_pdf_request(found)
    except OperationalError:
        pdf = printing.PaperPdf("failed", "", "the background worker cannot be reached")
    if pdf.state == "failed":
        return render(
            request,
            "board/pdf_unavailable.html",
            {"problem": pdf.problem, "paper": found},
            status=503,
        )
    if pdf.state == "preparing":
        response = render(request, "board/pdf_preparing.html", {"paper": found}, status=202)
        response["Retry-After"] = "5"
        return response
    download = FileResponse(
        private_storage().open(pdf.name),
        as_attachment=True,
        filename=f"productivity-programme-update-{found.meeting_date.isoformat()}.pdf",
        content_type="application/pdf",
    )
    download["Cache-Control"] = "private, no-store"
    return download


def open_data(request: HttpRequest) -> HttpResponse:
    """Public: what the open data holds and the two downloads."""
    return render(request, "board/open_data.html", {"count": selectors.grant_count()})


# The streamed downloads send their text in pieces of about this many
# characters: one write per grant would be thousands of tiny chunks.
STREAM_PIECE = 64 * 1024


def _pieces(chunks: Iterable[str]) -> Iterator[str]:
    """The first chunk (the file's header, written before any grant is read)
    at once, so the first byte leaves before the query's first fetch; then
    the rest joined into pieces of about STREAM_PIECE characters."""
    chunks = iter(chunks)
    yield next(chunks, "")
    batch: list[str] = []
    size = 0
    for chunk in chunks:
        batch.append(chunk)
        size += len(chunk)
        if size >= STREAM_PIECE:
            yield "".join(batch)
            batch, size = [], 0
    if batch:
        yield "".join(batch)


def _download(chunks: Iterable[str], content_type: str, filename: str) -> StreamingHttpResponse:
    """Open data as it is written (docs/open-data.md): the web
    worker holds one chunk of awards, not the whole file. Public data, so the
    headers are those of any public page (CSP and the security headers come
    from the middleware; no Content-Length, the file is sent chunked)."""
    response = StreamingHttpResponse(_pieces(chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _accepts_gzip(request: HttpRequest) -> bool:
    """Whether Accept-Encoding names gzip (or *) with a weight above 0."""
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        weight = params.strip().lower().removeprefix("q=")
        try:
            return not params or float(weight) > 0
        except ValueError:
            return True
    return False


def _prepared_download(
    request: HttpRequest, kind: str, content_type: str, filename: str
) -> HttpResponseBase | None:
    """The worker's prepared file (docs/open-data.md), sent from disk by
    FileResponse (the web worker is held as long as the bytes take to
    send); gzipped as stored when the client accepts it; 304 for a
    conditional GET that has it already. None: stream it live instead."""
    prepared = opendata_files.release_for_download(kind)
    if prepared is None:
        return None
    if kind == "json" and not prepared.grant_count:
        # The standard wants at least one grant in a package.
        raise Http404("No awards have been published yet")
    gzipped = _accepts_gzip(request)
    # A strong ETag names one set of bytes: the gzip is another.
    etag = quote_etag(prepared.etag + ("-gz" if gzipped else ""))
    last_modified = int(prepared.modified.timestamp())
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    response: HttpResponseBase
    if not_modified is not None:
        response = not_modified
    else:
        name = prepared.name + (".gz" if gzipped else "")
        try:
            stored = private_storage().open(name)
        except FileNotFoundError:
            # Deleted under us (two builds since the release was read): build again.
            prepared = opendata_files.release_for_download(kind, missing=True)
            if prepared is None:
                return None
            name = prepared.name + (".gz" if gzipped else "")
            etag = quote_etag(prepared.etag + ("-gz" if gzipped else ""))
            last_modified = int(prepared.modified.timestamp())
            stored = private_storage().open(name)
        response = FileResponse(
            stored, as_attachment=True, filename=filename, content_type=content_type
        )
        if gzipped:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Vary"] = "Accept-Encoding"
    # Public data: any cache may keep it, but asks each time (a cheap 304)
    # so that a change is seen as soon as the worker has published it.
    response["Cache-Control"] = "public, no-cache"
    return response


def open_data_json(request: HttpRequest) -> HttpResponseBase:
    prepared = _prepared_download(
        request, "json", "application/json", "lga-productivity-grants.json"
    )
    if prepared is not None:
        return prepared
    if not selectors.grant_count():
        # The standard wants at least one grant in a package.
        raise Http404("No awards have been published yet")
    chunks = package_json_chunks(selectors.grant_records(), issued=timezone.localdate())
    return _download(chunks, "application/json", "lga-productivity-grants.json")


def open_data_csv(request: HttpRequest) -> HttpResponseBase:
    prepared = _prepared_download(
        request, "csv", "text/csv; charset=utf-8", "lga-productivity-grants.csv"
    )
    if prepared is not None:
        return prepared
    # The byte-order mark tells Excel the file is UTF-8.
    chunks = itertools.chain(
        ["\ufeff"], csv_lines(selectors.grant_records(), locations=selectors.grant_locations_max())
    )
    return _download(chunks, "text/csv; charset=utf-8", "lga-productivity-grants.csv")
