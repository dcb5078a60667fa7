"""The open-data files, prepared by the worker rather than computed per download.

docs/open-data.md ("Prepared by the worker") is the design; in short:

- **What changes a grant** marks it (`grants_changed`): an `OpenDataChange`
  row, inserted in the transaction of the change, and after commit a build is
  asked for (`open_data_prepare`, in-process without a broker). The marks come
  from the board's receivers of the saves of the four models a grant is made
  of (`receivers_connect`): an approved bid, a council, a strand, a round.
- **A build** (`prepare`) takes the lease on the one `OpenDataRelease` row (one
  build at a time, across processes and machines), reads the marks, writes
  both files in one pass over the grants (each also gzipped), each to a
  temporary file renamed into place under a name made of its content's hash,
  then, in one short transaction, points the release at the new files and
  removes the marks it read. A mark that arrived during the build stays, so
  the build runs again. The files of the release before stay one build more
  (a download that started on them finishes), older ones are deleted.
- **A download** (`release_for_download`) reads the release row and the oldest
  mark (two indexed lookups). No usable files (first start, other settings) or
  a mark older than `STALE_AFTER` (the worker is down or its task was lost):
  it builds them itself, once, and logs why. A build already under way
  elsewhere and nothing usable: the view streams the data live instead.

Files live in private storage (`PRIVATE_STORAGE_ROOT`, under `open-data/`), a
file system every web process reads; the renames need a real path.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from applications.models import Application, ApplicationState, AwardShare, Call
from programmes.board import selectors
from programmes.board.models import OpenDataChange, OpenDataRelease
from programmes.board.opendata import (
    STANDARD_VERSION,
    csv_head,
    csv_line,
    csv_writer,
    json_grant,
    json_head,
    json_tail,
)
from programmes.documents import private_storage
from programmes.models import Council, Strand

logger = logging.getLogger(__name__)

FOLDER = "open-data"
KINDS = ("json", "csv")
# The worker normally publishes a change within seconds of its commit (a build
# at 10,000 grants takes about four). A mark older than this means no worker
# is doing it: the download builds the files itself rather than serve them stale.
STALE_AFTER = timedelta(seconds=60)
# A build that died holding the lease gives it up after this long.
LEASE = timedelta(minutes=10)
# Marks read by one build (more are read by the next round).
MARKS_PER_BUILD = 10_000
# A build runs again while marks arrive during it, at most this many times
# (the sweep every minute does the rest).
ROUNDS = 3
# Raised when the files' format changes, so files built before are not served
# (2: beneficiary and recipient locations, planned dates on every grant, data source).
FORMAT = 2
GZIP_LEVEL = 6


def settings_key() -> str:
    """What the files depend on besides the data."""
    parts = [
        FORMAT,
        STANDARD_VERSION,
        settings.OPEN_DATA_PREFIX,
        settings.OPEN_DATA_FUNDER_ID,
        settings.OPEN_DATA_FUNDER_NAME,
        settings.OPEN_DATA_SOURCE_URL,
        settings.TIME_ZONE,
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


# Marking changes -------------------------------------------------------------


def grants_changed() -> None:
    """Mark the open data behind, in the caller's transaction; ask for a build
    once it commits."""
    OpenDataChange.objects.create(marked_at=timezone.now())
    # robust: a dead broker is logged, never a 500 for a save that has
    # committed (the sweep every minute builds instead). One request per
    # mark: the first build publishes them all and the others find nothing
    # behind (two queries). Not once per transaction as the rollups' outbox
    # does: a test that runs a transaction's callbacks without ending it
    # would then never ask again.
    transaction.on_commit(open_data_prepare_request, robust=True)


def open_data_prepare_request() -> None:
    """Ask for a build: in-process without a broker, else a queued task."""
    # Start-up order: the task module imports this one.
    from programmes.board.tasks import open_data_prepare

    if settings.CELERY_TASK_ALWAYS_EAGER:
        open_data_prepare.apply(throw=True)
        return
    open_data_prepare.delay()


def _application_saved(sender: Any, instance: Application, **kwargs: Any) -> None:
    # Only approved bids are grants, and approval is final: a bid in any other
    # state is in no file. Any save of an approved bid changes its
    # dateModified (updated_at), so every one counts.
    if instance.state == ApplicationState.APPROVED:
        grants_changed()


def _part_saved(sender: Any, **kwargs: Any) -> None:
    # A council's name or codes, a strand's name, a round's dates or day rate
    # are in the grants; they change seldom, so every save counts.
    grants_changed()


def receivers_connect() -> None:
    """Called by the board's AppConfig.ready(). Receivers rather than calls
    in each service: a grant is made of four models in three layers below
    the board, written by a dozen services, the admin and the demo; a missed
    write would leave the files wrong until the next change. The receivers
    only insert a mark; the build runs after commit."""
    post_save.connect(_application_saved, sender=Application, dispatch_uid="opendata-bid")
    post_delete.connect(_application_saved, sender=Application, dispatch_uid="opendata-bid-del")
    # An award's shares are its beneficiary locations' descriptions.
    for model in (Council, Strand, Call, AwardShare):
        uid = f"opendata-{model._meta.label_lower}"
        post_save.connect(_part_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_part_saved, sender=model, dispatch_uid=f"{uid}-del")


# Building --------------------------------------------------------------------


class _Output:
    """One file being written: the plain bytes and their gzip, each to a
    temporary name in the folder, hashed as they go."""

    def __init__(self, folder: Path, kind: str) -> None:
        self.folder = folder
        self.kind = kind
        token = secrets.token_hex(8)
        self.temp = folder / f".tmp-{token}.{kind}"
        self.temp_gz = folder / f".tmp-{token}.{kind}.gz"
        self.plain: IO[bytes] = open(self.temp, "wb")  # noqa: SIM115 - closed in finish()
        self.gz_file: IO[bytes] = open(self.temp_gz, "wb")  # noqa: SIM115
        # mtime 0: the same bytes give the same .gz.
        self.gz = gzip.GzipFile(fileobj=self.gz_file, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)
        self.hash = hashlib.sha256()
        self.pending: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.pending.append(text)
        self.size += len(text)
        if self.size >= 256 * 1024:
            self._flush()

    def _flush(self) -> None:
        data = "".join(self.pending).encode("utf-8")
        self.pending, self.size = [], 0
        self.hash.update(data)
        self.plain.write(data)
        self.gz.write(data)

    def finish(self) -> tuple[str, str]:
        """Rename into place; returns (storage name, etag)."""
        self._flush()
        self.gz.close()
        for handle in (self.plain, self.gz_file):
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        etag = self.hash.hexdigest()[:32]
        name = f"grants-{etag}.{self.kind}"
        os.replace(self.gz_file.name, self.folder / f"{name}.gz")
        os.replace(self.temp, self.folder / name)
        return f"{FOLDER}/{name}", etag

    def discard(self) -> None:
        for handle in (self.plain, self.gz_file):
            handle.close()
        for path in (self.temp, self.temp_gz):
            path.unlink(missing_ok=True)


def _folder() -> Path:
    folder = Path(private_storage().path(FOLDER))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write(*, issued: date) -> tuple[dict[str, tuple[str, str]], int]:
    """Both files in one pass over the grants (one query, read in chunks,
    after one for the most councils a grant serves: the CSV's columns)."""
    folder = _folder()
    outputs = {kind: _Output(folder, kind) for kind in KINDS}
    try:
        writer = csv_writer()
        locations = selectors.grant_locations_max()
        outputs["json"].write(json_head(issued=issued))
        # The byte-order mark tells Excel the file is UTF-8.
        outputs["csv"].write("\ufeff" + csv_head(writer, locations=locations))
        count = 0
        for record in selectors.grant_records():
            outputs["json"].write(json_grant(record, first=count == 0))
            outputs["csv"].write(csv_line(writer, record, locations=locations))
            count += 1
        outputs["json"].write(json_tail(grants=count > 0))
        return {kind: output.finish() for kind, output in outputs.items()}, count
    except BaseException:
        for output in outputs.values():
            output.discard()
        raise


def _release() -> OpenDataRelease:
    release, _ = OpenDataRelease.objects.get_or_create(pk=1)
    return release


def _lease_take() -> bool:
    _release()
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return OpenDataRelease.objects.filter(free, pk=1).update(lease_until=now + LEASE) == 1


def _lease_give_back() -> None:
    OpenDataRelease.objects.filter(pk=1).update(lease_until=None)


def _files_present(release: OpenDataRelease) -> bool:
    storage = private_storage()
    return all(
        name and storage.exists(name) and storage.exists(f"{name}.gz")
        for name in (release.json_name, release.csv_name)
    )


def _up_to_date() -> bool:
    release = OpenDataRelease.objects.filter(pk=1).first()
    return release is not None and not _needs_build(release, marks=False)


def _needs_build(release: OpenDataRelease, *, marks: bool) -> bool:
    return (
        marks
        or release.settings_key != settings_key()
        or release.issued != timezone.localdate()
        or not _files_present(release)
    )


def _install(files: dict[str, tuple[str, str]], count: int, issued: date, marks: list[int]) -> None:
    with transaction.atomic():
        release = OpenDataRelease.objects.select_for_update().get(pk=1)
        keep = {release.json_name, release.csv_name}
        release.built_at = timezone.now()
        release.issued = issued
        release.settings_key = settings_key()
        release.grant_count = count
        release.json_name, release.json_etag = files["json"]
        release.csv_name, release.csv_etag = files["csv"]
        release.save(
            update_fields=[
                "built_at",
                "issued",
                "settings_key",
                "grant_count",
                "json_name",
                "json_etag",
                "csv_name",
                "csv_etag",
            ]
        )
        OpenDataChange.objects.filter(pk__in=marks).delete()
    keep |= {release.json_name, release.csv_name}
    _delete_others(keep={Path(name).name for name in keep if name})


def _delete_others(*, keep: set[str]) -> None:
    """Files of releases before the last two, and temporaries left by a build
    that died (older than the lease)."""
    folder = _folder()
    stale_before = timezone.now().timestamp() - LEASE.total_seconds()
    for path in folder.iterdir():
        if path.name.startswith(".tmp-"):
            if path.stat().st_mtime < stale_before:
                path.unlink(missing_ok=True)
        elif path.name.removesuffix(".gz") not in keep:
            path.unlink(missing_ok=True)


def prepare(*, force: bool = False) -> bool:
    """Build the files if they are behind (or `force`); False when another
    build holds the lease (it will see the marks) or nothing was behind."""
    if not force and not OpenDataChange.objects.exists() and _up_to_date():
        return False  # nothing behind: the common case of a second request
    if not _lease_take():
        logger.info("Open data: another build is under way")
        return False
    built = False
    try:
        for _ in range(ROUNDS):
            marks = list(OpenDataChange.objects.values_list("pk", flat=True)[:MARKS_PER_BUILD])
            if not (force or _needs_build(_release(), marks=bool(marks))):
                break
            issued = timezone.localdate()
            files, count = _write(issued=issued)
            _install(files, count, issued, marks)
            logger.info(
                "Open data: prepared %s grants (%s changes published)", f"{count:,}", len(marks)
            )
            built, force = True, False
    finally:
        _lease_give_back()
    return built


# Serving ---------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A prepared file as a download sends it."""

    name: str
    etag: str
    modified: datetime
    grant_count: int


def _prepared(release: OpenDataRelease, kind: str) -> Prepared:
    assert release.built_at is not None
    name, etag = (
        (release.json_name, release.json_etag)
        if kind == "json"
        else (release.csv_name, release.csv_etag)
    )
    return Prepared(name, etag, release.built_at, release.grant_count)


def _usable(release: OpenDataRelease | None) -> bool:
    return (
        release is not None
        and release.built_at is not None
        and bool(release.json_name and release.csv_name)
        and release.settings_key == settings_key()
    )


def release_for_download(kind: str, *, missing: bool = False) -> Prepared | None:
    """The prepared file to send, or None: stream the data live instead (a
    build is under way elsewhere and there is nothing current to send).
    `missing`: the file named by the release has gone (build again)."""
    release, fresh = _current()
    usable = _usable(release) and not missing
    if usable and fresh:
        assert release is not None
        if release.issued != timezone.localdate():
            # A new day: the package's issued date moves (the worker's
            # nightly build normally did it already).
            transaction.on_commit(open_data_prepare_request, robust=True)
        return _prepared(release, kind)
    if usable:
        logger.warning(
            "Open data: changes are not in the prepared files yet "
            "(is the worker running?): building them in this request"
        )
    else:
        logger.warning("Open data: no prepared files (first start?): building them in this request")
    prepare(force=not usable)
    release, fresh = _current()
    if _usable(release) and fresh:
        assert release is not None
        return _prepared(release, kind)
    logger.warning("Open data: a build is under way elsewhere: streaming this download live")
    return None


def _current() -> tuple[OpenDataRelease | None, bool]:
    """The release, and whether it may be served: no change older than
    STALE_AFTER (the time a worker takes) is missing from it."""
    release = OpenDataRelease.objects.filter(pk=1).first()
    oldest = OpenDataChange.objects.order_by("pk").values_list("marked_at", flat=True).first()
    if oldest is None:
        return release, True
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # No worker to wait for: the build runs in-process after each commit,
        # so a mark still here is one that build has not published (it
        # failed, or the change is in this very transaction).
        return release, False
    return release, timezone.now() - oldest < STALE_AFTER
