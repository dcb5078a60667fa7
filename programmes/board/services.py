"""Writes of board papers. Officers draft and publish; a published paper never
changes again (only the worker's record of its PDF is added, once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from programmes.board import paper as content
from programmes.board.models import BoardPaper, PaperState
from programmes.board.selectors import paper_previous
from programmes.permissions import Actor, as_user, require_officer
from programmes.services import model_update

# What an officer may write on a draft.
EDITABLE = (
    "board",
    "meeting_date",
    "figures_date",
    "agenda_item",
    "title",
    "contact_name",
    "contact_position",
    "contact_phone",
    "contact_email",
    "purpose",
    "summary",
    "recommendation",
    "action",
    "narrative",
    "highlights",
    "risks",
    "events",
)

PUBLISHED_IS_FINAL = "This paper has been published: a published paper cannot be changed."
DELETED_MEANWHILE = (
    "This paper was deleted by another officer while you were working on it: "
    "there is nothing to publish or change."
)


def _locked(paper: BoardPaper) -> BoardPaper:
    """The paper's row, locked for this transaction. Two officers acting on one
    paper at once (publishing and deleting it, say) take turns on this lock:
    the first wins and the second is refused in words, not a server error."""
    current = BoardPaper.objects.select_for_update().filter(pk=paper.pk).first()
    if current is None:
        raise ValidationError(DELETED_MEANWHILE)
    return current


def _check(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Not a paper's field: {', '.join(sorted(unknown))}")
    if "narrative" in fields:
        try:
            fields["narrative"] = content.narrative_clean(fields["narrative"] or {})
        except ValueError as problem:
            raise ValidationError({"narrative": str(problem)}) from None


def paper_create(*, actor: Actor, meeting_date, contact_name: str, **fields: Any) -> BoardPaper:
    """A draft paper for a meeting, with the template's front sheet."""
    require_officer(actor)
    _check(fields)
    paper = BoardPaper(meeting_date=meeting_date, contact_name=contact_name, **fields)
    paper.full_clean()
    paper.save()
    return paper


def paper_update(*, paper: BoardPaper, actor: Actor, **changes: Any) -> BoardPaper:
    """Change a draft's text; a published paper is refused."""
    require_officer(actor)
    _check(changes)
    with transaction.atomic():
        current = _locked(paper)
        if current.is_published:
            raise ValidationError(PUBLISHED_IS_FINAL)
        current, _ = model_update(instance=current, fields=EDITABLE, data=changes)
    return current


def paper_publish(*, paper: BoardPaper, actor: Actor, at: datetime | None = None) -> BoardPaper:
    """Freeze the paper: its figures and paragraphs as at now become its
    snapshot, and the worker is asked to print its PDF once. `at` (the demo
    and imports of past papers only) dates a paper published in the past."""
    require_officer(actor)
    with transaction.atomic():
        current = _locked(paper)
        if current.is_published:
            raise ValidationError("This paper has already been published.")
        # Its figures as at its figures date (docs/board.md, "As at a date").
        current.snapshot = content.paper_content(
            meeting_date=current.meeting_date,
            previous=paper_previous(paper=current),
            as_at=at,
            figures_on=content.figures_date(current),
        )
        current.state = PaperState.PUBLISHED
        current.published_at = at or timezone.now()
        current.published_by = as_user(actor)
        current.save()
        transaction.on_commit(lambda: _queue_print(current.pk))
    return current


def _queue_print(pk: int) -> None:
    # Start-up order: the task module imports this one (a task runs this
    # code; this code queues the task), so the task is imported when used.
    from programmes.board.tasks import board_paper_print

    try:
        board_paper_print.delay(pk)
    except Exception:  # noqa: BLE001 - no broker: the PDF page queues it again
        import logging

        logging.getLogger(__name__).warning("Board paper %s: print not queued", pk)


def paper_pdf_record(*, paper: BoardPaper, actor: Actor, name: str = "", problem: str = "") -> None:
    """The worker's record of the paper's PDF (or why it could not print):
    the one write after publishing, and only while there is no PDF."""
    require_officer(actor)
    with transaction.atomic():
        current = _locked(paper)
        if not current.is_published or current.pdf:
            return
        current.pdf, current.pdf_problem = name, problem
        current.save(update_fields=["pdf", "pdf_problem", "updated_at"])


def paper_delete(*, paper: BoardPaper, actor: Actor) -> None:
    """Delete a draft; a published paper is a record and stays."""
    require_officer(actor)
    with transaction.atomic():
        current = _locked(paper)
        if current.is_published:
            raise ValidationError(PUBLISHED_IS_FINAL)
        current.delete()
