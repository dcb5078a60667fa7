"""Worker entry points for the board. Thin: the work is in `programmes.board.printing`."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from programmes.board import printing


@shared_task(acks_late=True)
def board_paper_print(as_at: str) -> str:
    """Print the board update for a date to PDF (headless Chromium)."""
    return printing.paper_print(date.fromisoformat(as_at))
