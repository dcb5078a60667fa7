"""Worker entry points for the board. Thin: the work is in `programmes.board.printing`."""

from __future__ import annotations

from celery import shared_task

from programmes.board import opendata_files, printing


@shared_task(acks_late=True)
def board_paper_print(pk: int) -> str:
    """Print a published board paper to PDF, once (headless Chromium)."""
    return printing.paper_print(pk)


@shared_task(acks_late=True)
def open_data_prepare() -> bool:
    """Build the 360Giving files if a change, a new day or new settings left
    them behind (docs/open-data.md). Queued after each change and every
    minute by beat, as the sweep; a no-op when nothing is behind."""
    return opendata_files.prepare()
