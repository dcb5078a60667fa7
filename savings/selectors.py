"""Reads of rollups (for dashboards) and of a council's awards (for returns).

Dashboards read rollup rows only, through these functions; each runs a
constant number of queries (usually one) whatever the number of facts.
Pass `None` for "all": `rollup_for()` is the whole programme,
`rollup_for(strand=s)` the strand across every council and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Min, QuerySet
from django.http import Http404

from programmes.models import Council, Strand, User
from programmes.roles import OFFICER, user_role
from programmes.selectors import council_ids_readable
from savings.models import (
    Investment,
    OutboxMarker,
    Rollup,
    SavingsEntry,
    SavingsKind,
)


def _key(strand: Strand | None, council: Council | None, financial_year: str | None) -> str:
    return (
        f"{strand.pk if strand else '*'}:{council.pk if council else '*'}:{financial_year or '*'}"
    )


def _empty(strand: Strand | None, council: Council | None, financial_year: str | None) -> Rollup:
    # A scope with no facts has no row; show it as zeros, never as missing.
    return Rollup(
        scope_key=_key(strand, council, financial_year),
        strand=strand,
        council=council,
        financial_year=financial_year or "",
        computed_at=None,  # type: ignore[misc]  # never saved: a zero row was never computed
    )


def rollup_for(
    *,
    strand: Strand | None = None,
    council: Council | None = None,
    financial_year: str | None = None,
) -> Rollup:
    """The rollup of one scope (one query); zeros if it has no facts."""
    row = Rollup.objects.filter(scope_key=_key(strand, council, financial_year)).first()
    return row or _empty(strand, council, financial_year)


def _level(
    strand: Strand | None | bool, council: Council | None | bool, financial_year: str | None | bool
) -> QuerySet[Rollup]:
    """Rows of one level. True = one row per value; None = the "all" total; else that value."""
    rows = Rollup.objects.all()
    if strand is True:
        rows = rows.filter(strand__isnull=False).select_related("strand")
    elif strand is None:
        rows = rows.filter(strand__isnull=True)
    else:
        rows = rows.filter(strand=strand)
    if council is True:
        rows = rows.filter(council__isnull=False).select_related("council")
    elif council is None:
        rows = rows.filter(council__isnull=True)
    else:
        rows = rows.filter(council=council)
    if financial_year is True:
        rows = rows.exclude(financial_year="")
    elif financial_year is None:
        rows = rows.filter(financial_year="")
    else:
        rows = rows.filter(financial_year=financial_year)
    return rows


def rollups_by_year(
    *, strand: Strand | None = None, council: Council | None = None
) -> list[Rollup]:
    """One row per financial year (oldest first) for the strand/council/whole programme."""
    return list(_level(strand, council, True).order_by("financial_year"))


def rollups_by_strand(
    *, council: Council | None = None, financial_year: str | None = None
) -> list[Rollup]:
    """One row per strand with facts, in the strands' display order."""
    return list(
        _level(True, council, financial_year).order_by("strand__display_order", "strand__name")
    )


def rollups_by_council(
    *, strand: Strand | None = None, financial_year: str | None = None
) -> list[Rollup]:
    """One row per council with facts, by council name."""
    return list(_level(strand, True, financial_year).order_by("council__name"))


@dataclass(frozen=True)
class TargetsCompared:
    """Realised savings against savings targets, only where a target was set
    (docs/board.md, "Targets"): within a scope, each council's verified
    realised savings in the strands where it set a target, against those
    targets. On a council's page the count is of its strands, elsewhere of
    councils. A council that set no target is "none set", never £0."""

    unit: str  # "council" or "strand": what `with_target` counts
    with_target: int  # councils (or strands) that set a target
    target: Decimal = Decimal(0)
    realised: Decimal = Decimal(0)


def targets_compared(
    *,
    strand: Strand | None = None,
    council: Council | None = None,
    rows: list[Rollup] | None = None,
) -> TargetsCompared:
    """The scope's targets compared with what was realised against them, from
    its (strand, council) rollup rows: `rows` when the page has read them
    already (`rollups_by_council(strand=…)`, `rollups_by_strand(council=…)`;
    no query), else one query."""
    if rows is None:
        scope = _level(strand or True, council or True, None).select_related(None)
        rows = list(scope.only("strand_id", "council_id", "target", "realised"))
    unit = "strand" if council is not None else "council"

    def who(row: Rollup) -> int | None:
        return row.strand_id if unit == "strand" else row.council_id

    targeted = [row for row in rows if row.target]
    return TargetsCompared(
        unit=unit,
        with_target=len({who(row) for row in targeted}),
        target=sum((row.target for row in targeted), Decimal(0)),
        realised=sum((row.realised for row in targeted), Decimal(0)),
    )


PROGRAMME_SCOPE_KEY = "*:*:*"


def rollups_computed_at() -> datetime | None:
    """When the programme total was last recomputed (None: never).

    Every drain rewrites the whole-programme row (`*:*:*`) and a full
    recompute always stamps it (other rows only when their figures change),
    so that row carries the latest time: one lookup on the unique scope key,
    not a scan of every rollup row."""
    return (
        Rollup.objects.filter(scope_key=PROGRAMME_SCOPE_KEY)
        .values_list("computed_at", flat=True)
        .first()
    )


def outbox_oldest_pending() -> datetime | None:
    """When the oldest change not yet in the rollups was made (None: all caught up)."""
    return OutboxMarker.objects.aggregate(oldest=Min("marked_at"))["oldest"]


def awards_for_council(*, council: Council) -> QuerySet[Investment]:
    """The council's awards: investments made through an approved bid, for a
    paginated list (programmes.pagination)."""
    return (
        Investment.objects.filter(council=council, application__isnull=False)
        .select_related("strand", "application")
        .order_by("-financial_year", "pk")
    )


def award_get_for_council(*, council: Council, pk: int) -> Investment | None:
    return (
        Investment.objects.filter(council=council, application__isnull=False, pk=pk)
        .select_related("strand", "application")
        .first()
    )


def award_get_for_user(*, user: User, pk: int) -> Investment:
    """The award if it is the user's council's; 404 otherwise, so others learn nothing."""
    award = award_get_for_council(council=user.council, pk=pk) if user.council else None
    if award is None:
        raise Http404("No award of your council has this number")
    return award


def realised_savings_for_award(*, award: Investment) -> list[SavingsEntry]:
    """Realised savings reported against the award's bid outside its periodic
    returns (those are shown per return), newest year first."""
    return list(
        SavingsEntry.objects.filter(
            application=award.application,
            council=award.council,
            kind=SavingsKind.REALISED,
            savings_return__isnull=True,
        ).order_by("-financial_year", "-pk")
    )


def evidence_get_for_user(*, user: User, pk: int) -> SavingsEntry:
    """A saving with a supporting document that the user may download: officers
    any, applicants their own council's and its predecessors' (read-only
    history, docs/security.md); 404 otherwise, so others learn nothing."""
    entries = SavingsEntry.objects.exclude(document="")
    if user_role(user) != OFFICER:
        entries = entries.filter(council_id__in=council_ids_readable(user.council_id))
    entry = entries.select_related("council").filter(pk=pk).first()
    if entry is None:
        raise Http404("No supporting document with this number")
    return entry


def award_for_application(*, application_id: int) -> Investment | None:
    """The award's investment, for the link back to the award page."""
    return Investment.objects.filter(application_id=application_id).order_by("pk").first()
