"""Worker entry points for the board. Thin: the work is in `programmes.board.printing`."""

from __future__ import annotations

from celery import shared_task

from programmes.board import printing


@shared_task(acks_late=True)
def board_paper_print(pk: int) -> str:
    """Print a published board paper to PDF, once (headless Chromium)."""
    return printing.paper_print(pk)
