"""Versions of the data behind caches: changed by the writers, read in one lookup.

A cache whose contents are computed from many rows (the board's bid counts
and awards, programmes.board.selectors) is kept under a key that includes a
version. Every service that changes those rows calls `version_bump` in its
own transaction, so the new version commits with the change (a reader never
sees the change without the new version, nor the reverse). Reading it is
one primary-key lookup (`programmes_dataversion`) however large the data,
at most once per request: the first read is kept until the request ends (a
bump in the same request forgets it). Outside a request (the worker, a
shell) every read asks the database.

Why a row and not a count or the latest `updated_at` of the data: those
read every row (a full scan of the bids, 161 ms at 88,000 bids, issue 26).
Why not a number in the cache alone: a cache that is emptied, evicts the
key or is down would forget a change, and a stale figure would be served as
current. Why not bumped after the commit (`on_commit`, no lock held): a
process that dies between its commit and the bump would leave the old
figures current until they expire. Why the rollup drain does not bump
the board's version: nothing kept under it is read from the rollups (the
board reads rollup rows directly, 3-5 indexed reads a page); a drain
after every saved fact would only throw the bid counts away. Why a
random token and not a counter: a bump rolled back with its transaction
would hand its number to the next bump, and whatever was cached under it
(read inside that transaction) would be taken for the later data.

The bump is an UPDATE of the row, which holds the row's lock until the
transaction ends: bump after the change's own rows are locked and written,
so that a transaction holding the version never waits for another row, and
only where a cache's contents change (bid creation and decisions, not each
saved answer), so bumps are few.
"""

from __future__ import annotations

import secrets
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished, request_started

from programmes.models import DataVersion

# The board's cached bid figures: bids by strand and state, each strand's
# awards and councils served, bids received by a date, a council's bid count
# and strands (programmes.board.selectors).
BOARD = "board"

# The versions read during the current request, by name; None outside a request.
_read: ContextVar[dict[str, str] | None] = ContextVar("versions_read", default=None)


def version_get(name: str) -> str:
    """The data version `name`: one primary-key lookup, then kept for the
    rest of the request."""
    seen = _read.get()
    if seen is not None and name in seen:
        return seen[name]
    value = DataVersion.objects.filter(name=name).values_list("value", flat=True).first()
    if value is None:
        value = _version_insert(name)
    if seen is not None:
        seen[name] = value
    return value


def _version_insert(name: str) -> str:
    # No row (a name added later, or a database emptied, as the live-server
    # tests do): a new token, so that nothing cached before can match it.
    # Two at once both insert; the second is ignored and reads the first's.
    DataVersion.objects.bulk_create(
        [DataVersion(name=name, value=secrets.token_hex(16))], ignore_conflicts=True
    )
    return DataVersion.objects.values_list("value", flat=True).get(name=name)


def version_bump(name: str) -> None:
    """Give `name` a new version, in the caller's transaction: call it after
    writing the rows a cache depends on."""
    if not DataVersion.objects.filter(name=name).update(value=secrets.token_hex(16)):
        _version_insert(name)
    seen = _read.get()
    if seen is not None:
        seen.pop(name, None)


def _request_started(**kwargs: Any) -> None:
    _read.set({})


def _request_finished(**kwargs: Any) -> None:
    _read.set(None)


def connect() -> None:
    """Keep the versions read for the length of each request (ProgrammesConfig.ready)."""
    request_started.connect(_request_started, dispatch_uid="programmes.versions.started")
    request_finished.connect(_request_finished, dispatch_uid="programmes.versions.finished")
