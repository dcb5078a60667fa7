"""Open data at 10,000 grants: time to first byte, total time and memory per download.

Builds 10,000 approved awards (over the 400 councils and 5 strands of
`benchmarks/rollups.py`, each with a ~1,000-character summary, so grants.json
is about the 20 MB measured before it streamed) in its own PostgreSQL database, then
serves `/open-data/`, `grants.json` and `grants.csv` through Django's test
client, each request in a fresh Python process, and reports per page the
median over --repeat processes of:

- first byte: from the request until the first piece of the body is in hand
  (for a response built whole, that is the whole response; streamed, it is
  the file's header: JSON's package fields, CSV's byte-order mark);
- first grants: until the piece after that (the first ~64 KB of grants,
  after the query's first fetch);
- total: until the last byte has been read;
- memory: the process's peak RSS during the request (VmHWM, reset before it)
  less its RSS before it, once Django, the URLconf and a first request are
  warm.

Requests: `index` (/open-data/), `json` and `csv` (plain), `json.gz` and
`csv.gz` (with `Accept-Encoding: gzip`; the bytes are compared after gunzip)
and `json.304` (a conditional GET with the ETag of a first GET, code that
sends ETags only). Before them, for code that prepares its files
(programmes/board/opendata_files.py), it times the worker's build of the
files once in a fresh process ("prepare"), as after a change, so the
downloads measure serving the prepared files; the files go to a private
storage folder of their own (/tmp/open-data-bench-<code's hash>).

With --before DIR it runs the same requests against another checkout's code
(e.g. main's, exported with `git archive`) on the same database and says
whether the two give the same bytes. Usage (see README "Open data"):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/productivity_bench_opendata \
    .venv/bin/python benchmarks/open_data.py [--grants 10000] [--repeat 3] [--before DIR] [--keep]

It drops and recreates every table in that database: never point it at real data.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
PAGES = {
    "index": "/open-data/",
    "json": "/open-data/grants.json",
    "csv": "/open-data/grants.csv",
    "json.gz": "/open-data/grants.json",
    "csv.gz": "/open-data/grants.csv",
    "json.304": "/open-data/grants.json",
}

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--grants", type=int, default=10_000)
parser.add_argument("--repeat", type=int, default=3)
parser.add_argument("--before", type=Path, help="another checkout's code to measure too")
parser.add_argument("--keep", action="store_true", help="reuse the data already built")
parser.add_argument("--serve", choices=[*PAGES, "prepare"], help=argparse.SUPPRESS)
parser.add_argument("--code", type=Path, default=ROOT, help=argparse.SUPPRESS)
OPTIONS = parser.parse_args()


def kib(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)[1])


def reset_peak_rss() -> int:
    """Start the peak RSS (VmHWM) again from the present RSS (Linux 4.0+:
    `clear_refs` 5), so the peak read after the request is the request's own,
    not the start-up's; returns the present RSS in KiB."""
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    return kib("VmRSS")


def storage_root(code: Path) -> str:
    """A private storage folder per code, so before and after never share files."""
    digest = hashlib.sha256(str(code).encode()).hexdigest()[:8]
    return str(Path(tempfile.gettempdir()) / f"open-data-bench-{digest}")


def serve(page: str) -> None:
    """In a child process: one request with `--code`'s views (or the build of
    the prepared files), one JSON line out."""
    sys.path.insert(0, str(OPTIONS.code))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "productivity.settings")
    os.environ["PRIVATE_STORAGE_ROOT"] = storage_root(OPTIONS.code)
    import django

    django.setup()
    from django.conf import settings
    from django.http import FileResponse
    from django.test import Client, override_settings

    if page == "prepare":
        from programmes.board import opendata_files  # type: ignore[attr-defined]

        start = time.perf_counter()
        opendata_files.prepare(force=True)
        print(json.dumps({"prepare_ms": (time.perf_counter() - start) * 1000}))
        return
    # No collectstatic here: the pages name static files without the manifest.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=plain_static).enable()
    from programmes.board import views

    assert Path(views.__file__).is_relative_to(OPTIONS.code), views.__file__
    client = Client()
    client.get("/open-data/warm-up")  # URLconf, middleware, templates' loaders, connection
    headers = {}
    if page.endswith(".gz"):
        headers["HTTP_ACCEPT_ENCODING"] = "gzip"
    if page.endswith(".304"):
        first = client.get(PAGES[page])
        first.close()
        if "ETag" not in first:
            print(json.dumps({"skipped": True}))
            return
        headers["HTTP_IF_NONE_MATCH"] = first["ETag"]
    before = reset_peak_rss()
    start = time.perf_counter()
    response = client.get(PAGES[page], **headers)
    digest = hashlib.sha256()
    gzipped = response.get("Content-Encoding") == "gzip"
    kept: list[bytes] = []  # gzipped pieces: unzipped after the clock stops

    def take(piece: bytes) -> None:
        if gzipped:
            kept.append(piece)
        else:
            digest.update(piece)

    size = 0
    if response.streaming:
        pieces = iter(response.streaming_content)
        first = next(pieces, b"")
        first_byte = time.perf_counter() - start
        take(first)
        size += len(first)
        first_data = None
        for piece in pieces:
            if first_data is None:
                first_data = time.perf_counter() - start
            take(piece)
            size += len(piece)
        response.close()
    else:
        first_byte = first_data = time.perf_counter() - start
        take(response.content)
        size = len(response.content)
    total = time.perf_counter() - start
    grown = kib("VmHWM") - before
    if gzipped:
        digest.update(zlib.decompress(b"".join(kept), wbits=31))
    assert response.status_code == (304 if page.endswith(".304") else 200), response.status_code
    body = "-" if page == "index" or page.endswith(".304") else digest.hexdigest()
    print(
        json.dumps(
            {
                "first_byte_ms": first_byte * 1000,
                "first_data_ms": (first_data or first_byte) * 1000,
                "total_ms": total * 1000,
                "rss_mb": grown / 1024,
                "start_rss_mb": before / 1024,
                "bytes": size,
                "sha256": body,
                "streamed": response.streaming,
                "status": response.status_code,
                "gzip": gzipped,
                "file": isinstance(response, FileResponse),
            }
        )
    )


def build() -> None:
    from datetime import date, timedelta
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from applications.models import Application, ApplicationState, Call
    from benchmarks import rollups as scale
    from programmes.models import Council, Strand

    scale.reset_database()
    scale.build_dimensions()
    now = timezone.now()
    calls = Call.objects.bulk_create(
        Call(
            strand=strand,
            title=f"{strand.name} round",
            opens_at=now - timedelta(days=400),
            closes_at=now - timedelta(days=300),
            support_from=date(2013, 4, 1),
            support_until=date(2014, 3, 31),
        )
        for strand in Strand.objects.order_by("pk")
    )
    councils = list(Council.objects.order_by("pk"))
    summary = (
        "The council will use the award to review its contracts with its largest "
        "suppliers, renegotiate terms and share what it learns with its partners. "
    ) * 7  # ~1,000 characters, as a bid's summary runs
    batch = []
    for n in range(OPTIONS.grants):
        batch.append(
            Application(
                call=calls[n % len(calls)],
                lead_council=councils[n % len(councils)],
                reference=f"BEN-2013-{n:05d}",
                title=f"Productivity review number {n} of the council's services",
                summary=summary,
                amount_requested=Decimal(10000 + n % 5000) + Decimal("0.50"),
                award_amount=Decimal(9000 + n % 5000),
                state=ApplicationState.APPROVED,
                decided_at=now - timedelta(days=300, minutes=n),
            )
        )
        if len(batch) == 2000:
            Application.objects.bulk_create(batch)
            batch = []
    Application.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would soon after a load


def run(code: Path, page: str) -> dict:
    out = subprocess.run(  # noqa: S603 - this script, our own arguments
        [sys.executable, str(HERE), "--serve", page, "--code", str(code)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
        cwd=code,  # Celery's loader puts the working directory first on sys.path
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def summarise(runs: list[dict]) -> dict:
    summary: dict = {
        key: statistics.median(run[key] for run in runs)
        for key in ("first_byte_ms", "first_data_ms", "total_ms", "rss_mb", "start_rss_mb")
    }
    for key in ("bytes", "streamed", "gzip", "file", "status"):
        summary[key] = runs[0][key]
    summary["sha256"] = {run["sha256"] for run in runs}
    return summary


def prepares(code: Path) -> bool:
    """Whether the code prepares its files (the worker's build)."""
    return (code / "programmes" / "board" / "opendata_files.py").exists()


def main() -> None:
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    # Django set up here on the bench database (rollups.py, imported for its
    # builders, does the same with the same environment), so this script does
    # not depend on the order of rollups.py's imports.
    os.environ.update(
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", ""),
        DJANGO_SECRET_KEY=os.environ.get(
            "DJANGO_SECRET_KEY", "benchmark-only-secret-key-0123456789"
        ),
        DJANGO_HTTPS="false",
        DJANGO_SETTINGS_MODULE="productivity.settings",
    )
    import django

    django.setup()
    from django.db import connection

    from benchmarks import rollups as scale

    if connection.vendor != "postgresql":
        sys.exit("The benchmark runs on PostgreSQL: set BENCH_DATABASE_URL")
    if not OPTIONS.keep:
        start = time.perf_counter()
        build()
        scale.say(f"Built {OPTIONS.grants:,} approved awards in {time.perf_counter() - start:.1f}s")
    connection.close()
    codes = {"after": ROOT}
    if OPTIONS.before:
        codes = {"before": OPTIONS.before.resolve(), **codes}
    for label, code in codes.items():
        if prepares(code):
            # As the worker does after a change: the downloads then send files.
            prepared = [run(code, "prepare")["prepare_ms"] for _ in range(OPTIONS.repeat)]
            scale.say(
                f"{label:6} the worker's build of both files (and their gzip): "
                f"{statistics.median(prepared):,.0f} ms (median of {len(prepared)})"
            )
    # Before and after take turns, so a burst of other work on the machine
    # falls on both rather than on one.
    runs: dict[tuple[str, str], list[dict]] = {}
    for _ in range(OPTIONS.repeat):
        for page in PAGES:
            for label, code in codes.items():
                result = run(code, page)
                if not result.get("skipped"):
                    runs.setdefault((label, page), []).append(result)
    results = {key: summarise(value) for key, value in runs.items()}
    for label in codes:
        for page in PAGES:
            if (label, page) not in results:
                continue
            r = results[label, page]
            how = (
                ("file" if r["file"] else "streamed" if r["streamed"] else "whole")
                + (" gzip" if r["gzip"] else "")
                + (f" {r['status']}" if r["status"] != 200 else "")
            )
            scale.say(
                f"{label:6} {page:8} first byte {r['first_byte_ms']:7.1f} ms  "
                f"first grants {r['first_data_ms']:7.1f} ms  "
                f"total {r['total_ms']:7.1f} ms  peak RSS +{r['rss_mb']:5.1f} MB "
                f"(from {r['start_rss_mb']:.0f} MB)  {r['bytes'] / 1e6:6.2f} MB  {how}"
            )
    if OPTIONS.before:
        for page in ("json", "csv", "json.gz", "csv.gz"):
            same = results["before", page]["sha256"] == results["after", page]["sha256"]
            scale.say(f"{page}: before and after {'identical' if same else 'DIFFER'} content")
    scale.say(f"load: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    if OPTIONS.serve:
        serve(OPTIONS.serve)
    else:
        main()
