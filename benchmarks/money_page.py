"""The board's money page (issue 28) at 10,000 awards and 100,000 claims:
server time and queries.

Builds, in its own database: 400 councils and the strands (as
`benchmarks/rollups.py`), a call per bid strand, --awards approved bids each
with its commitment over five financial years, --claims claims spread over
them in every state, and budgets for every strand and year; builds the
rollups with a full recompute and times a one-scope drain. Then it renders
/board/money/ and one of its CSVs as a signed-in board member, --repeat
times, and reports the median and worst server time and the queries
(target: at most 50 ms, a query count that does not grow with the data;
tests/payments/test_board_money.py asserts the count). Usage:

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/productivity_bench_money \
    .venv/bin/python benchmarks/money_page.py [--awards 10000] [--claims 100000] [--repeat 20]

It drops and recreates every table in that database: never point it at real data.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--awards", type=int, default=10_000)
parser.add_argument("--claims", type=int, default=100_000)
parser.add_argument("--repeat", type=int, default=20)
OPTIONS = parser.parse_args()

from benchmarks import board_pages as bench  # noqa: E402  (sets up Django on the bench database)

bench.OPTIONS.repeat = OPTIONS.repeat
scale = bench.scale

from datetime import date, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.db import connection, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from applications.models import Application, ApplicationState, Call  # noqa: E402
from programmes.models import Council, Strand  # noqa: E402
from programmes.payments.models import (  # noqa: E402
    Budget,
    Claim,
    ClaimState,
    Commitment,
    Funder,
)
from savings import rollups  # noqa: E402
from savings.outbox import outbox_mark  # noqa: E402

YEARS = ["2013/14", "2014/15", "2015/16", "2016/17", "2017/18"]
# Claims in every state, mostly paid, as a programme in its second year would have.
STATES = [
    ClaimState.SUBMITTED,
    ClaimState.FIRST_APPROVED,
    ClaimState.APPROVED,
    ClaimState.PAID,
    ClaimState.SENT_BACK,
    ClaimState.PAID,
    ClaimState.PAID,
    ClaimState.APPROVED,
    ClaimState.PAID,
    ClaimState.PAID,
]


def build() -> None:
    scale.reset_database()
    scale.build_dimensions()
    now = timezone.now()
    calls = [
        Call.objects.create(
            strand=strand,
            title=f"{strand.name} benchmark round",
            opens_at=now - timedelta(days=400),
            closes_at=now + timedelta(days=30),
            max_amount=None,
        )
        for strand in Strand.objects.filter(key__in=["experts", "ope", "growth"]).order_by("pk")
    ]
    councils = list(Council.objects.order_by("pk"))
    start = time.perf_counter()
    awards = Application.objects.bulk_create(
        (
            Application(
                call=calls[n % len(calls)],
                lead_council=councils[n % len(councils)],
                reference=f"BEN-{n:06d}",
                title=f"Benchmark award {n}",
                state=ApplicationState.APPROVED,
                amount_requested=Decimal(5000 + n % 5000),
                award_amount=Decimal(5000 + n % 5000),
                submitted_at=now,
                decided_at=now,
            )
            for n in range(OPTIONS.awards)
        ),
        batch_size=2000,
    )
    commitments = Commitment.objects.bulk_create(
        (
            Commitment(
                application=award,
                strand_id=award.call.strand_id,
                council_id=award.lead_council_id,
                financial_year=YEARS[n % len(YEARS)],
                awarded=award.award_amount,
                amount=award.award_amount,
                committed_at=now,
            )
            for n, award in enumerate(awards)
        ),
        batch_size=2000,
    )
    Claim.objects.bulk_create(
        (
            Claim(
                commitment=commitments[n % len(commitments)],
                council_id=commitments[n % len(commitments)].council_id,
                amount=Decimal(10 + n % 40),
                period_from=date(2013, 10, 1),
                period_to=date(2013, 12, 31),
                invoice_reference=f"INV-{n}",
                invoice_key=f"inv-{n}",
                state=STATES[n % len(STATES)],
                submitted_at=now,
                paid_on=date(2014, 1, 10) if STATES[n % len(STATES)] == ClaimState.PAID else None,
            )
            for n in range(OPTIONS.claims)
        ),
        batch_size=5000,
    )
    Budget.objects.bulk_create(
        Budget(
            strand=strand,
            financial_year=year,
            funder=Funder.LGA_BUSINESS_PLAN,
            amount=Decimal("20000000"),
            reason="Benchmark",
            updated_at=now,
        )
        for strand in Strand.objects.all()
        for year in YEARS
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    scale.say(
        f"Built {OPTIONS.awards:,} awards and {OPTIONS.claims:,} claims "
        f"in {time.perf_counter() - start:.1f}s"
    )
    # The rows were bulk-created, past the services' outbox markers: build
    # the rollups (money's among them) as the nightly full recompute does.
    began = time.perf_counter()
    rollups.recompute_all()
    scale.say(f"Full recompute of the rollups: {time.perf_counter() - began:.2f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # What one change costs the worker: a drain of one marked scope.
    commitment = Commitment.objects.order_by("pk").first()
    assert commitment is not None
    with transaction.atomic():
        outbox_mark([(commitment.strand_id, commitment.council_id, commitment.financial_year)])
        connection.run_on_commit = []  # drained below, timed, not after commit
    began = time.perf_counter()
    rollups.drain()
    scale.say(
        f"Drain of one scope (savings and money): {1000 * (time.perf_counter() - began):.1f} ms"
    )


def main() -> None:
    build()
    client = bench.board_client()
    scale.say(f"\nThe board's money page at {OPTIONS.awards:,} awards, {OPTIONS.claims:,} claims")
    bench.report(
        client,
        {
            "/board/money/": reverse("board:money"),
            "money CSV (2013/14)": reverse("board:money_csv", args=["money-2013-14"]),
        },
    )


if __name__ == "__main__":
    # As benchmarks/board_pages.py: plain static storage, so the pages render
    # without collectstatic having run.
    from django.conf import settings
    from django.test import override_settings

    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        main()
