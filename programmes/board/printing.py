"""The board update as a PDF, printed by the worker and kept per paper.

Printing starts a browser (seconds, and a few hundred MB), so it never runs in
a web request: the first request for a paper queues `board_paper_print` and
says the PDF is being prepared; the worker prints it into private storage
under a name made of the paper's date and the time its figures were computed,
and later requests serve that file. New figures make a new name, so a PDF is
never older than the figures on the page. Without a broker (`make demo`),
tasks run in-process, so the demo prints while the page waits.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date

from django.core.files.base import ContentFile
from django.template.loader import render_to_string

from programmes.board import paper
from programmes.documents import private_storage
from savings.selectors import rollups_computed_at

logger = logging.getLogger(__name__)

FOLDER = "board-papers"
# A print queued this long ago and not done has lost its task: queue it again.
QUEUED_EXPIRES_SECONDS = 300
# Papers printed this long ago are removed when another is printed.
KEEP_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class PaperPdf:
    state: str  # "ready", "preparing" or "failed"
    name: str
    problem: str = ""


def paper_name(as_at: date) -> str:
    computed = rollups_computed_at()
    stamp = computed.strftime("%Y%m%dT%H%M%S%f") if computed else "no-figures"
    return f"{FOLDER}/update-{as_at.isoformat()}-{stamp}"


def paper_pdf_state(as_at: date) -> PaperPdf:
    storage = private_storage()
    name = paper_name(as_at)
    if storage.exists(f"{name}.pdf"):
        return PaperPdf("ready", f"{name}.pdf")
    if storage.exists(f"{name}.error"):
        with storage.open(f"{name}.error") as handle:
            problem = handle.read().decode("utf-8", "replace")
        # Shown once: the next request tries again (Chromium may be back).
        storage.delete(f"{name}.error")
        return PaperPdf("failed", name, problem)
    return PaperPdf("preparing", name)


def paper_pdf_request(as_at: date) -> PaperPdf:
    """The PDF if printed; otherwise make sure a print is queued, and say so."""
    state = paper_pdf_state(as_at)
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
    from programmes.board.tasks import board_paper_print

    try:
        board_paper_print.delay(as_at.isoformat())
    except Exception:
        storage.delete(queued)  # so that the next request tries to queue it again
        raise
    # Without a broker the task has run already.
    return paper_pdf_state(as_at)


def paper_print(as_at: date) -> str:
    """Print the paper for `as_at` with the latest figures; the worker calls this."""
    storage = private_storage()
    name = paper_name(as_at)
    html = render_to_string(
        "board/update.html", {"paper": paper.board_update(as_at=as_at), "for_pdf": True}
    )
    try:
        pdf = paper.pdf_from_html(html)
    except paper.PdfUnavailable as problem:
        logger.error("Board paper %s not printed: %s", name, problem)
        if not storage.exists(f"{name}.error"):
            storage.save(f"{name}.error", ContentFile(str(problem).encode()))
        return "failed"
    finally:
        if storage.exists(f"{name}.queued"):
            storage.delete(f"{name}.queued")
    if not storage.exists(f"{name}.pdf"):
        storage.save(f"{name}.pdf", ContentFile(pdf))
    _prune(storage)
    return "ready"


def _prune(storage) -> None:
    if not storage.exists(FOLDER):
        return
    _, files = storage.listdir(FOLDER)
    cutoff = time.time() - KEEP_SECONDS
    for filename in files:
        path = f"{FOLDER}/{filename}"
        if storage.get_modified_time(path).timestamp() < cutoff:
            storage.delete(path)
