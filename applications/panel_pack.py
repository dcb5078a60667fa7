"""The panel pack: selected bids as a spreadsheet (a row per bid) and a PDF (a page per bid).

The spreadsheet is written in the request (openpyxl, a few ms a hundred
bids). The PDF is printed by headless Chromium, seconds and a few hundred MB,
so like the board paper it is printed (programmes.printing, the core's one
HTML to PDF path) by the worker into private storage, under a name made
of the bids chosen and when they last changed: the action queues the print
and the officer's download page serves the file once it is there. Without a
broker (`make demo`) tasks run in-process, so the PDF is ready at once.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Max, Prefetch, QuerySet
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.urls import reverse

from applications.models import Application, Review, Score, mean_score
from programmes import printing
from programmes.documents import private_storage
from programmes.spreadsheets import xlsx_bytes

logger = logging.getLogger(__name__)

FOLDER = "panel-packs"
QUEUED_EXPIRES_SECONDS = 300


@dataclass
class PackBid:
    application: Application
    scores: dict[str, int | None]  # the moderated score per criterion (None: not applicable)
    criteria: tuple[tuple[str, str], ...]
    assessor_means: dict[str, Decimal | None]

    @property
    def score_rows(self) -> list[tuple[str, str, str]]:
        """(criterion, moderated score, assessors' mean) as text."""
        rows = []
        for key, label in self.criteria:
            if key in self.scores:
                score = self.scores[key]
                moderated = "n/a" if score is None else str(score)
            else:
                moderated = ""
            assessors = self.assessor_means.get(key)
            rows.append((label, moderated, "" if assessors is None else f"{assessors:.1f}"))
        return rows


def panel_pack_bids(queryset: QuerySet[Application]) -> list[PackBid]:
    """The bids with their moderated and assessors' scores: three queries however many."""
    bids = (
        queryset.select_related("call__strand", "lead_council")
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.order_by("pk")),
            Prefetch(
                "reviews",
                queryset=Review.objects.filter(submitted_at__isnull=False).prefetch_related(
                    "scores"
                ),
            ),
        )
        .order_by("call__strand__display_order", "reference")
    )
    result = []
    for bid in bids:
        by_criterion: dict[str, list[int | None]] = {}
        for review in bid.reviews.all():
            for score in review.scores.all():
                by_criterion.setdefault(score.criterion, []).append(score.score)
        result.append(
            PackBid(
                application=bid,
                scores={score.criterion: score.score for score in bid.scores.all()},
                criteria=bid.call.strand.spec.assessment_criteria,
                assessor_means={key: mean_score(values) for key, values in by_criterion.items()},
            )
        )
    return result


def panel_pack_rows(queryset: QuerySet[Application]) -> list[list[object]]:
    """The spreadsheet: a header, then a row per bid. Criteria are the union of
    the strands' (a bid's cell is empty for another strand's criterion). Each
    criterion has the moderated score and, beside it, the assessors' mean, as
    the PDF does: a bid not yet moderated had blank scores here while the PDF
    showed its means (issue 27)."""
    bids = panel_pack_bids(queryset)
    criteria: dict[str, str] = {}
    for bid in bids:
        criteria.update(dict(bid.criteria))
    header: list[object] = [
        "Reference",
        "Council",
        "Strand",
        "Title",
        "Asked for (£)",
        "Asked for (days)",
        *[
            heading
            for label in criteria.values()
            for heading in (label, f"{label} (assessors' mean)")
        ],
        "Mean score",
        "Recommendation",
        "State",
    ]
    rows = [header]
    for bid in bids:
        application = bid.application
        cells: list[object] = [
            application.reference,
            application.lead_council.name,
            application.call.strand.spec.short_name,
            application.title,
            application.amount_requested,
            application.days_requested,
        ]
        for key in criteria:
            score = bid.scores.get(key)
            cells.append("n/a" if key in bid.scores and score is None else score)
            assessors = bid.assessor_means.get(key)
            cells.append(None if assessors is None else assessors.quantize(Decimal("0.1")))
        cells += [
            application.mean_score,
            application.get_recommendation_display(),
            application.get_state_display(),
        ]
        rows.append(cells)
    return rows


def panel_pack_xlsx(rows: list[list[object]]) -> bytes:
    return xlsx_bytes(rows, title="Panel pack")


def panel_pack_name(pks: list[int], owner: int) -> str:
    """The PDF's name: who asked, the bids chosen and the last time any of
    them changed (a submitted review or a moderation changes `updated_at`)."""
    changed = Application.objects.filter(pk__in=pks).aggregate(at=Max("updated_at"))["at"]
    key = f"{owner}:" + ",".join(str(pk) for pk in sorted(pks)) + f"@{changed}"
    return f"pack-{hashlib.sha256(key.encode()).hexdigest()[:20]}"


def panel_pack_owner(name: str) -> int | None:
    """Who asked for this pack: only they may download it (its bids were
    chosen by what they may see)."""
    path = f"{FOLDER}/{name}.owner"
    storage = private_storage()
    if not storage.exists(path):
        return None
    with storage.open(path) as handle:
        text = handle.read().decode().strip()
    return int(text) if text.isdigit() else None


def panel_pack_pdf_response(request, pks: list[int]) -> HttpResponse:
    """Queue the PDF's print (unless printed or queued) and go to its download page."""
    name = panel_pack_name(pks, request.user.pk)
    storage = private_storage()
    if not storage.exists(f"{FOLDER}/{name}.owner"):
        storage.save(f"{FOLDER}/{name}.owner", ContentFile(str(request.user.pk).encode()))
    queued = f"{FOLDER}/{name}.queued"
    fresh = storage.exists(queued) and time.time() - _queued_at(queued) < QUEUED_EXPIRES_SECONDS
    if not storage.exists(f"{FOLDER}/{name}.pdf") and not fresh:
        if storage.exists(queued):
            storage.delete(queued)
        storage.save(queued, ContentFile(str(time.time()).encode()))
        # Start-up order: the task module imports this one (a task runs this
        # code; this code queues the task), so the task is imported when used.
        from applications.tasks import panel_pack_print

        panel_pack_print.delay(pks, name)
    return HttpResponseRedirect(f"{reverse('admin:applications_panel_pack')}?name={name}")


def _queued_at(path: str) -> float:
    with private_storage().open(path) as handle:
        return float(handle.read() or 0)


def panel_pack_print(*, pks: list[int], name: str) -> str:
    """Print the pack (the worker calls this): "ready", or "failed" with a note kept."""
    storage = private_storage()
    bids = panel_pack_bids(Application.objects.filter(pk__in=pks))
    html = render_to_string("admin/applications/panel_pack.html", {"bids": bids})
    try:
        pdf = printing.pdf_from_html(html)
    except printing.PdfUnavailable as problem:
        logger.error("Panel pack %s not printed: %s", name, problem)
        storage.save(f"{FOLDER}/{name}.error", ContentFile(str(problem).encode()))
        return "failed"
    finally:
        if storage.exists(f"{FOLDER}/{name}.queued"):
            storage.delete(f"{FOLDER}/{name}.queued")
    if not storage.exists(f"{FOLDER}/{name}.pdf"):
        storage.save(f"{FOLDER}/{name}.pdf", ContentFile(pdf))
    return "ready"


def panel_pack_pdf_state(name: str) -> str:
    """ "ready", "preparing", "failed" (the problem is logged) or "none"."""
    if not name.startswith("pack-") or not name[5:].isalnum():
        return "none"
    storage = private_storage()
    if storage.exists(f"{FOLDER}/{name}.pdf"):
        return "ready"
    if storage.exists(f"{FOLDER}/{name}.error"):
        return "failed"
    if storage.exists(f"{FOLDER}/{name}.queued"):
        return "preparing"
    return "none"


def panel_pack_pdf_download(name: str) -> HttpResponseBase:
    """The printed PDF (panel_pack_pdf_state said "ready")."""
    download = FileResponse(
        private_storage().open(f"{FOLDER}/{name}.pdf"),
        as_attachment=True,
        filename="panel-pack.pdf",
    )
    download["Cache-Control"] = "private, no-store"
    return download
