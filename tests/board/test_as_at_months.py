"""Figures as at a past date read from the rollups by month (docs/savings.md,
"Rollups by month"): the whole months before the date from `RollupMonth`,
the date's own month from the facts. They must equal the figures read from
the facts alone (`_finest_as_at`, the definition) at every date: month starts
and ends, mid-month, with verifications in a later month (and across the
London midnight), withheld lines and re-dated facts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmes.models import Strand
from programmes.permissions import SYSTEM
from savings import rollups
from savings.models import (
    Investment,
    InvestmentSource,
    RollupMonth,
    SavingsEntry,
    SavingsKind,
    Withheld,
)
from savings.selectors import (
    Figures,
    _finest_as_at,
    _finest_by_months,
    _summary_by_months,
    _summary_of,
    end_of_day,
)
from savings.services import (
    investment_record,
    investment_update,
    return_lines_set,
    savings_entries_delete,
    savings_entries_verify,
    savings_entry_record,
    savings_entry_update,
)
from tests.factories import CouncilFactory

pytestmark = pytest.mark.django_db

MONTH_FIELDS = (
    "strand_id",
    "council_id",
    "financial_year",
    "month",
    "whole_year",
    "investment",
    "investment_count",
    "projected",
    "target",
    "realised_reported",
    "realised_verified",
    "savings_count",
)


def _invest(strand, council, amount: str, on: date, year: str = "2013/14") -> Investment:
    return investment_record(
        actor=SYSTEM,
        strand=strand,
        council=council,
        source=InvestmentSource.LGA_GRANT,
        financial_year=year,
        amount=Decimal(amount),
        awarded_on=on,
    )


def _save(strand, council, kind, amount: str, on: date, verified_at: datetime | None = None):
    return savings_entry_record(
        actor=SYSTEM,
        strand=strand,
        council=council,
        financial_year="2013/14",
        kind=kind,
        amount=Decimal(amount),
        reported_on=on,
        verified=verified_at is not None,
        verified_at=verified_at,
    )


def _dates_of(year: int) -> list[date]:
    """Every month's first, 15th and last day of the year, and either side of it."""
    days = [date(year - 1, 12, 31), date(year + 1, 1, 1)]
    for month in range(1, 13):
        first = date(year, month, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        days += [first, first.replace(day=15), last]
    return days


def _assert_months_equal_facts(days, scopes) -> None:
    """The finest rows from the month rows equal the facts', and so does every
    figure the database sums from them (the total, by year, strand and
    council, the targets) equal the same summed in Python from the facts'."""
    for day in days:
        for strand, council in scopes:
            facts = _finest_as_at(day, strand, council)
            assert sorted(_finest_by_months(day, strand, council)) == facts, (day, strand, council)
            assert _summary_by_months(day, strand, council) == _summary_of(
                facts, "strand" if council else "council"
            ), (day, strand, council)


def _months() -> list[tuple]:
    return sorted(RollupMonth.objects.values_list(*MONTH_FIELDS))


@pytest.fixture
def month_facts(strands, council_a, council_b):
    experts, ope = strands["experts"], strands["ope"]
    _invest(experts, council_a, "1000", date(2013, 1, 10))
    _invest(experts, council_b, "500", date(2013, 6, 30))  # a month's last day
    _invest(ope, council_b, "700", date(2013, 7, 1))  # a month's first day
    _save(experts, council_a, SavingsKind.PROJECTED, "10000", date(2013, 1, 31))
    _save(experts, council_a, SavingsKind.TARGET, "400", date(2013, 2, 1))
    # Reported in February, verified in April.
    _save(
        experts,
        council_a,
        SavingsKind.REALISED,
        "200",
        date(2013, 2, 15),
        datetime(2013, 4, 10, 9, tzinfo=UTC),
    )
    # Verified at 23:30 UTC on 31 May: 00:30 on 1 June in London.
    _save(
        experts,
        council_b,
        SavingsKind.REALISED,
        "300",
        date(2013, 5, 20),
        datetime(2013, 5, 31, 23, 30, tzinfo=UTC),
    )
    # Verified (as stored) before it was reported: verified from the day reported.
    _save(
        ope,
        council_a,
        SavingsKind.REALISED,
        "50",
        date(2013, 8, 5),
        datetime(2013, 7, 20, 9, tzinfo=UTC),
    )
    # Never verified: awaiting verification from March on.
    _save(ope, council_a, SavingsKind.REALISED, "70", date(2013, 3, 31))
    # A withheld line (a return sent back) counts at no date.
    withheld = _save(experts, council_b, SavingsKind.REALISED, "9000", date(2013, 3, 1))
    with transaction.atomic():
        return_lines_set([withheld], withheld=Withheld.SENT_BACK)
    # Re-dated facts: the award from March to August, a saving from
    # September back to April.
    moved = _invest(ope, council_a, "80", date(2013, 3, 5))
    investment_update(investment=moved, actor=SYSTEM, awarded_on=date(2013, 8, 20))
    entry = _save(ope, council_b, SavingsKind.PROJECTED, "600", date(2013, 9, 9))
    savings_entry_update(entry=entry, actor=SYSTEM, reported_on=date(2013, 4, 30))
    rollups.drain()
    return experts, ope


def test_the_months_path_equals_the_facts_path_at_every_kind_of_date(
    month_facts, council_a, council_b
):
    experts, ope = month_facts
    scopes = [(None, None), (experts, None), (ope, None), (None, council_a), (None, council_b)]
    _assert_months_equal_facts(_dates_of(2013), scopes)


def test_a_saving_is_awaiting_verification_until_the_london_day_it_was_verified(
    month_facts, council_b
):
    before = Figures(as_at=date(2013, 5, 31), council=council_b).total()
    after = Figures(as_at=date(2013, 6, 1), council=council_b).total()
    assert (before.realised, before.realised_unverified) == (Decimal(0), Decimal(300))
    assert (after.realised, after.realised_unverified) == (Decimal(300), Decimal(0))


def test_the_programme_as_at_month_ends_counts_what_each_fact_says(month_facts):
    # 30 June: invested 1,000 + 500; projected 10,000 + 600 (re-dated to
    # April); realised 200 (April) + 300 (June); awaiting: the 70 (the
    # withheld 9,000 nowhere); the 80 award moved to August is not yet in.
    june = Figures(as_at=date(2013, 6, 30)).total()
    assert june.investment == Decimal(1500)
    assert june.projected == Decimal(10600)
    assert june.realised == Decimal(500)
    assert june.realised_unverified == Decimal(70)
    # 31 August: the 700 and the moved 80 are in; the 50 counts as verified
    # from 5 August, the day it was reported.
    august = Figures(as_at=date(2013, 8, 31)).total()
    assert august.investment == Decimal(2280)
    assert august.realised == Decimal(550)


def test_a_drain_leaves_the_month_rows_a_recompute_from_scratch_builds(month_facts):
    drained = _months()
    assert drained  # the facts have month rows
    rollups.recompute_all()
    assert _months() == drained
    # Twice: the same rows again (never a delta).
    RollupMonth.objects.all().delete()
    rollups.recompute_all()
    rollups.recompute_all()
    assert _months() == drained


def test_the_full_recompute_writes_only_the_month_rows_that_differ(month_facts, strands):
    drained = _months()
    # One row changed, one lost, one left from facts long gone.
    changed = RollupMonth.objects.filter(whole_year=False).order_by("pk").first()
    changed.projected += 1
    changed.save()
    lost = RollupMonth.objects.filter(whole_year=True).order_by("pk").last()
    lost.delete()
    stray = RollupMonth.objects.create(
        strand=strands["experts"],
        council=changed.council,
        financial_year="2009/10",
        month=date(2009, 5, 1),
        savings_count=1,
    )
    kept = set(RollupMonth.objects.exclude(pk=stray.pk).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        written = rollups.months_recompute(cursor, None)
    assert written == 3
    assert _months() == drained
    # Every other row is the same row, not written again.
    assert kept <= set(RollupMonth.objects.values_list("pk", flat=True))


# Property: random facts, changes and drains ------------------------------------

YEARS = ["2012/13", "2013/14"]
STRANDS = ["ope", "experts"]
START = date(2012, 11, 1)
DAYS = 400  # to early December 2013

days = st.integers(0, DAYS).map(lambda n: START + timedelta(days=n))
# Any minute of a day: around midnight the London day differs from the UTC one.
moments = st.tuples(st.integers(0, DAYS), st.integers(0, 24 * 60 - 1)).map(
    lambda pair: (
        datetime.combine(START, datetime.min.time(), tzinfo=UTC)
        + timedelta(days=pair[0], minutes=pair[1])
    )
)
amounts = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
scope = st.tuples(st.sampled_from(STRANDS), st.integers(0, 1), st.sampled_from(YEARS))
kinds = st.sampled_from([SavingsKind.PROJECTED, SavingsKind.TARGET, SavingsKind.REALISED])
pick = st.integers(0, 50)
operation = st.one_of(
    st.tuples(st.just("invest"), scope, amounts, days),
    st.tuples(st.just("save"), scope, kinds, amounts, days, st.none() | moments),
    st.tuples(st.just("verify"), pick, moments),
    st.tuples(st.just("redate_investment"), pick, days),
    st.tuples(st.just("redate_saving"), pick, days),
    st.tuples(st.just("withhold"), pick),
    st.tuples(st.just("delete_saving"), pick),
    st.tuples(st.just("drain")),
)


class Rollback(Exception):
    pass


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, max_size=25), probes=st.lists(days, min_size=1, max_size=6))
def test_as_at_figures_from_the_month_rows_equal_those_from_the_facts(operations, probes):
    strands = {strand.key: strand for strand in Strand.objects.filter(key__in=STRANDS)}
    with pytest.raises(Rollback), transaction.atomic():
        councils = [CouncilFactory(gss_code=f"E0700092{n}") for n in range(2)]
        investments: list[Investment] = []
        entries: list[SavingsEntry] = []
        for op in operations:
            if op[0] == "invest":
                (strand_key, council, year), amount, on = op[1:]
                investments.append(
                    investment_record(
                        actor=SYSTEM,
                        strand=strands[strand_key],
                        council=councils[council],
                        source=InvestmentSource.LGA_GRANT,
                        financial_year=year,
                        amount=amount,
                        awarded_on=on,
                    )
                )
            elif op[0] == "save":
                (strand_key, council, year), kind, amount, on, verified_at = op[1:]
                verified = kind == SavingsKind.REALISED and verified_at is not None
                entries.append(
                    savings_entry_record(
                        actor=SYSTEM,
                        strand=strands[strand_key],
                        council=councils[council],
                        financial_year=year,
                        kind=kind,
                        amount=amount,
                        reported_on=on,
                        verified=verified,
                        verified_at=verified_at if verified else None,
                    )
                )
            elif op[0] == "verify" and entries:
                entry = entries[op[1] % len(entries)]
                savings_entries_verify(entries=[entry], actor=SYSTEM, at=op[2])
            elif op[0] == "redate_investment" and investments:
                found = investments[op[1] % len(investments)]
                if Investment.objects.filter(pk=found.pk).exists():
                    investment_update(investment=found, actor=SYSTEM, awarded_on=op[2])
            elif op[0] == "redate_saving" and entries:
                entry = entries[op[1] % len(entries)]
                if SavingsEntry.objects.filter(pk=entry.pk).exists():
                    entry.refresh_from_db()
                    savings_entry_update(entry=entry, actor=SYSTEM, reported_on=op[2])
            elif op[0] == "withhold" and entries:
                lines = SavingsEntry.objects.filter(pk=entries[op[1] % len(entries)].pk)
                return_lines_set(lines, withheld=Withheld.WITHDRAWN)
            elif op[0] == "delete_saving" and entries:
                entry = entries[op[1] % len(entries)]
                savings_entries_delete(
                    entries=SavingsEntry.objects.filter(pk=entry.pk), actor=SYSTEM
                )
            elif op[0] == "drain":
                rollups.drain()
        rollups.drain()
        scopes = [(None, None), (strands["ope"], None), (None, councils[0])]
        _assert_months_equal_facts(probes, scopes)
        # The month rows are what a recompute from scratch builds.
        drained = _months()
        rollups.recompute_all()
        assert _months() == drained
        raise Rollback


def test_end_of_day_is_in_the_projects_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    assert end_of_day(date(2013, 7, 9)) == datetime(2013, 7, 10, 4, tzinfo=UTC)
    settings.TIME_ZONE = "Europe/London"
    assert end_of_day(date(2013, 7, 9)) == datetime(2013, 7, 9, 23, tzinfo=UTC)


@pytest.mark.parametrize("vendor", ["sqlite", "postgresql"])
def test_the_month_and_year_of_a_day_in_each_databases_sql(vendor):
    """Both databases' expressions, each on its own kind of database: SQLite's
    through Python's sqlite3 (whatever the suite runs on), PostgreSQL's only
    where the suite runs on it."""
    day = "2013-07-09"
    if vendor == "sqlite":
        import sqlite3

        with sqlite3.connect(":memory:") as db:
            found = db.execute(
                f"SELECT {rollups._month_of('?', vendor)}, {rollups._year_of('?', vendor)}",
                [day, day],
            ).fetchone()
        assert found == ("2013-07-01", "2013-01-01")
    else:
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("PostgreSQL's expression needs PostgreSQL: the suite runs on SQLite")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {rollups._month_of('%s::date', vendor)}, "
                f"{rollups._year_of('%s::date', vendor)}",
                [day, day],
            )
            found = cursor.fetchone()
        assert found == (date(2013, 7, 1), date(2013, 1, 1))
