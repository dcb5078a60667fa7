"""Worker entry points for bids: retention and panel packs. Thin: the work is
in `applications.retention` and `applications.panel_pack`. (Notices are sent by
programmes.notices.tasks.)"""

from __future__ import annotations

from celery import shared_task

from applications import retention
from applications.panel_pack import panel_pack_print as print_pack
from programmes.permissions import RETENTION
from savings.tasks import RETRY


@shared_task(**RETRY)
def retention_anonymise() -> dict:
    """Monthly (beat): remove personal data from old closed bids and
    deactivated accounts. Each record is its own transaction and is marked
    done, so a retry after a database hiccup carries on where it stopped."""
    return retention.anonymise(actor=RETENTION).as_dict()


@shared_task(**RETRY)
def panel_pack_print(pks: list[int], name: str) -> str:
    """Print a panel pack's PDF (queued by the bid list's action)."""
    return print_pack(pks=pks, name=name)
