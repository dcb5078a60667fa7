"""A published board paper as a PDF, printed once by the worker and kept.

Printing starts a browser (seconds, and a few hundred MB), so it never runs in
a web request: publishing queues `board_paper_print`, and so does the first
request for the PDF if it is not there (a lost task, or a print that failed);
until it is printed the request says the PDF is being prepared. The worker
prints the paper's snapshot (so the PDF is the paper exactly as published)
into private storage and records the file on the paper; later requests serve
that file. Without a broker (`make demo`), tasks run in-process, so the demo
prints while the page waits.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils.html import escape

from programmes import printing
from programmes.board import paper as content
from programmes.board.models import BoardPaper, PaperState
from programmes.board.services import paper_pdf_record
from programmes.documents import private_storage
from programmes.permissions import WORKER

logger = logging.getLogger(__name__)

FOLDER = "board-papers"
# A print queued this long ago and not done has lost its task: queue it again.
QUEUED_EXPIRES_SECONDS = 300


@dataclass(frozen=True)
class PaperPdf:
    state: str  # "ready", "preparing" or "failed"
    name: str
    problem: str = ""


def paper_name(paper: BoardPaper) -> str:
    return f"{FOLDER}/paper-{paper.pk}-{paper.meeting_date.isoformat()}"


def paper_pdf_state(paper: BoardPaper) -> PaperPdf:
    if paper.pdf:
        return PaperPdf("ready", paper.pdf)
    storage = private_storage()
    name = paper_name(paper)
    if storage.exists(f"{name}.error"):
        with storage.open(f"{name}.error") as handle:
            problem = handle.read().decode("utf-8", "replace")
        # Shown once: the next request tries again (Chromium may be back).
        storage.delete(f"{name}.error")
        return PaperPdf("failed", name, problem)
    return PaperPdf("preparing", name)


def paper_pdf_request(paper: BoardPaper) -> PaperPdf:
    """The PDF if printed; otherwise make sure a print is queued, and say so."""
    state = paper_pdf_state(paper)
    if state.state != "preparing":
        return state
    storage = private_storage()
    queued = f"{state.name}.queued"
    if storage.exists(queued):
        with storage.open(queued) as handle:
            since = float(handle.read() or 0)
        if time.time() - since < QUEUED_EXPIRES_SECONDS:
            return state
        storage.delete(queued)
    storage.save(queued, ContentFile(str(time.time()).encode()))
    # Start-up order: the task module imports this one (a task runs this
    # code; this code queues the task), so the task is imported when used.
    from programmes.board.tasks import board_paper_print

    try:
        board_paper_print.delay(paper.pk)
    except Exception:
        storage.delete(queued)  # so that the next request tries to queue it again
        raise
    # Without a broker the task has run already.
    paper.refresh_from_db(fields=["pdf"])
    return paper_pdf_state(paper)


# Chromium's print header and footer: the paper's board, meeting and agenda
# item at the top of every page, "Page X of Y" at the foot, as the source
# paper carries "Item 8" on each page. Sized and placed here: the page's
# stylesheet does not reach them.
MARGIN_STYLE = "font-family: Arial, sans-serif; font-size: 9px; width: 100%; margin: 0 18mm;"


def paper_header(paper: BoardPaper) -> str:
    item = f"<span>{escape(paper.agenda_item)}</span>" if paper.agenda_item else "<span></span>"
    return (
        f'<div style="{MARGIN_STYLE} display: flex; justify-content: space-between;">'
        f"<span>{escape(paper.board)}, {paper.meeting_date:%-d %B %Y}</span>{item}</div>"
    )


def paper_footer(paper: BoardPaper) -> str:
    return (
        f'<div style="{MARGIN_STYLE} text-align: center;">Page <span class="pageNumber"></span>'
        ' of <span class="totalPages"></span></div>'
    )


def paper_html(paper: BoardPaper) -> str:
    """The paper as printed: its page without the page's links and forms."""
    return render_to_string(
        "board/paper.html",
        # No request, so no context processors: the service's name is given here.
        {"view": content.paper_view(paper), "for_pdf": True, "service_name": settings.SERVICE_NAME},
    )


def paper_print(pk: int) -> str:
    """Print a published paper from its snapshot, once; the worker calls this."""
    paper = BoardPaper.objects.filter(pk=pk, state=PaperState.PUBLISHED).first()
    if paper is None:
        return "no such paper"
    if paper.pdf:
        return "ready"
    storage = private_storage()
    name = paper_name(paper)
    try:
        pdf = printing.pdf_from_html(
            paper_html(paper), header=paper_header(paper), footer=paper_footer(paper)
        )
    except printing.PdfUnavailable as problem:
        logger.error("Board paper %s not printed: %s", name, problem)
        if not storage.exists(f"{name}.error"):
            storage.save(f"{name}.error", ContentFile(str(problem).encode()))
        return "failed"
    finally:
        if storage.exists(f"{name}.queued"):
            storage.delete(f"{name}.queued")
    saved = storage.save(f"{name}.pdf", ContentFile(pdf))
    paper_pdf_record(paper=paper, actor=WORKER, name=saved)
    return "ready"
