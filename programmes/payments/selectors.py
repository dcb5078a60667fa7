"""Reads of money out (docs/money.md): a council's awards and claims, the
officers' and finance's queues, and the board's money figures.

The board's figures today are two grouped queries whatever the number of
awards and claims (budgets, and the money rollups the drain keeps); as at a
past date, three over the facts (budgets, commitments by call, claims by
state). Both are summed here per strand and for the programme."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from programmes.models import Strand, User
from programmes.payments.models import (
    LIVE_CLAIM_STATES,
    Budget,
    Claim,
    ClaimState,
    Commitment,
    MoneyRollup,
)
from programmes.roles import OFFICER, user_role
from savings.years import financial_year_end, financial_year_start

ZERO = Decimal("0.00")


def _sum(condition: Q | None = None) -> Coalesce:
    return Coalesce(
        Sum("claims__amount", filter=condition),
        Value(ZERO),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )


def commitments_with_totals(queryset: QuerySet[Commitment]) -> QuerySet[Commitment]:
    """Each award with `claimed` (every claim not sent back) and `paid`."""
    return queryset.annotate(
        claimed=_sum(Q(claims__state__in=LIVE_CLAIM_STATES)),
        paid=_sum(Q(claims__state=ClaimState.PAID)),
    )


def commitments_for_council(*, council_id: int) -> QuerySet[Commitment]:
    """The council's awards, newest year first, with what was claimed and paid."""
    return commitments_with_totals(
        Commitment.objects.filter(council_id=council_id)
        .select_related("application", "investment", "strand")
        .order_by("-financial_year", "-pk")
    )


def commitment_get_for_user(*, user: User, pk: int) -> Commitment:
    """The award if it is the user's council's; 404 otherwise, so others learn nothing."""
    found = (
        commitments_for_council(council_id=user.council_id).filter(pk=pk).first()
        if user.council_id
        else None
    )
    if found is None:
        raise Http404("No award of your council has this number")
    return found


def claims_for_commitment(*, commitment: Commitment) -> list[Claim]:
    return list(commitment.claims.order_by("-submitted_at", "-pk"))


def claim_evidence_get_for_user(*, user: User, pk: int) -> Claim:
    """A claim's evidence that the user may download: officers any, a council
    user their own council's; 404 otherwise."""
    claims = Claim.objects.exclude(evidence="")
    if user_role(user) != OFFICER:
        claims = claims.filter(council_id=user.council_id or -1)
    found = claims.filter(pk=pk).first()
    if found is None:
        raise Http404("No evidence has this number")
    return found


def claims_awaiting_payment() -> QuerySet[Claim]:
    """Approved claims that finance has not paid yet, oldest first (the export)."""
    return (
        Claim.objects.filter(state=ClaimState.APPROVED)
        .select_related(
            "council",
            "commitment__strand__ledger",
            "commitment__application",
            "commitment__investment",
        )
        .order_by("submitted_at", "pk")
    )


# The board's money figures -------------------------------------------------------


@dataclass
class MoneyFigures:
    """One strand's (or the programme's) money in one financial year.

    budget − committed = headroom ("remaining"); committed − paid = owed.
    `forecast` is what will have been paid by the year's end if each award
    is paid evenly over its call's support period (docs/money.md)."""

    label: str
    strand: Strand | None = None
    budget: Decimal | None = None
    committed: Decimal = ZERO
    awarded: Decimal = ZERO
    claimed: Decimal = ZERO
    paid: Decimal = ZERO
    forecast: Decimal = ZERO
    awards: int = 0

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.committed

    @property
    def owed(self) -> Decimal:
        return self.committed - self.paid

    def add(self, other: MoneyFigures) -> None:
        if other.budget is not None:
            self.budget = (self.budget or ZERO) + other.budget
        self.committed += other.committed
        self.awarded += other.awarded
        self.claimed += other.claimed
        self.paid += other.paid
        self.forecast += other.forecast
        self.awards += other.awards


@dataclass
class MoneyYear:
    financial_year: str
    strands: list[MoneyFigures] = field(default_factory=list)
    programme: MoneyFigures = field(default_factory=lambda: MoneyFigures("Whole programme"))


def _share_by(year_end: date, starts: date | None, ends: date | None, year_start: date) -> Decimal:
    """The part of an award's support period that falls on or before the year's end."""
    start = starts or year_start
    end = ends or year_end
    if end <= year_end:
        return Decimal(1)
    if start > year_end:
        return Decimal(0)
    whole = (end - start).days + 1
    return Decimal((year_end - start).days + 1) / Decimal(whole)


def money_years(*, financial_year: str | None = None, on: date | None = None) -> list[MoneyYear]:
    """Budget, committed, claimed, paid, remaining and forecast per strand and
    for the programme, per financial year (newest first). Three queries
    (today's: two, the second over the money rollups).

    `on`: as it stood at the end of that day, as near as the records say:
    awards committed by then, claims sent by then (those sent back since
    still count), paid by then; budgets and reductions as they are now
    (docs/money.md, "As at a date")."""
    years: dict[str, dict[int, MoneyFigures]] = defaultdict(dict)
    strands = {strand.pk: strand for strand in Strand.objects.order_by("display_order", "name")}

    def figures(year: str, strand_id: int) -> MoneyFigures:
        found = years[year].get(strand_id)
        if found is None:
            strand = strands[strand_id]
            found = years[year][strand_id] = MoneyFigures(strand.name, strand=strand)
        return found

    budgets = Budget.objects.values("strand_id", "financial_year").annotate(total=Sum("amount"))
    if financial_year:
        budgets = budgets.filter(financial_year=financial_year)
    for row in budgets:
        figures(row["financial_year"], row["strand_id"]).budget = row["total"]
    # Per (strand, year, support period): committed, then paid, for the forecast.
    groups: dict[tuple, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    if on is None:
        # Today's figures: the rollups the drain keeps (docs/money.md, "Rollups").
        _from_rollups(figures, groups, financial_year)
    else:
        _from_facts(figures, groups, financial_year, on)
    for (strand_id, year, starts, ends), (committed, paid_so_far) in groups.items():
        share = _share_by(financial_year_end(year), starts, ends, financial_year_start(year))
        unpaid = max(committed - paid_so_far, ZERO)
        figures(year, strand_id).forecast += paid_so_far + (unpaid * share).quantize(
            Decimal("0.01")
        )
    result = []
    for year in sorted(years, reverse=True):
        money_year = MoneyYear(year)
        for strand_id in strands:
            if strand_id in years[year]:
                money_year.strands.append(years[year][strand_id])
                money_year.programme.add(years[year][strand_id])
        result.append(money_year)
    return result


def _from_rollups(figures, groups: dict[tuple, list[Decimal]], financial_year: str | None) -> None:
    """Committed, claimed and paid from the money rollups, grouped by strand,
    year and call support period: one query over rows per scope and call,
    however many claims there are."""
    window = ("call__support_from", "call__support_until")
    rows = MoneyRollup.objects.values("strand_id", "financial_year", *window).annotate(
        committed=Sum("committed"),
        awarded=Sum("awarded"),
        awards=Sum("awards"),
        claimed=Sum("claimed"),
        paid=Sum("paid"),
    )
    if financial_year:
        rows = rows.filter(financial_year=financial_year)
    for row in rows:
        year = row["financial_year"]
        strand_figures = figures(year, row["strand_id"])
        strand_figures.committed += row["committed"]
        strand_figures.awarded += row["awarded"]
        strand_figures.awards += row["awards"]
        strand_figures.claimed += row["claimed"]
        strand_figures.paid += row["paid"]
        group = groups[(row["strand_id"], year, *(row[name] for name in window))]
        group[0] += row["committed"]
        group[1] += row["paid"]


def _from_facts(
    figures, groups: dict[tuple, list[Decimal]], financial_year: str | None, on: date
) -> None:
    """Committed, claimed and paid as at the end of `on`, from the awards and
    claims themselves (the rollups hold only today's figures)."""
    window = ("application__call__support_from", "application__call__support_until")
    # Awards grouped by their call's support period, for the forecast.
    commitments = Commitment.objects.values("strand_id", "financial_year", *window).annotate(
        committed=Sum("amount"), awarded=Sum("awarded"), awards=Count("pk")
    )
    paid = Q(state=ClaimState.PAID, paid_on__lte=on)
    claims = (
        Claim.objects.filter(state__in=LIVE_CLAIM_STATES)
        .values(
            "commitment__strand_id",
            "commitment__financial_year",
            *(f"commitment__{name}" for name in window),
        )
        .annotate(
            claimed=Sum("amount"),
            paid=Coalesce(
                Sum("amount", filter=paid),
                Value(ZERO),
                output_field=DecimalField(max_digits=18, decimal_places=2),
            ),
        )
    )
    if financial_year:
        commitments = commitments.filter(financial_year=financial_year)
        claims = claims.filter(commitment__financial_year=financial_year)
    commitments = commitments.filter(committed_at__date__lte=on)
    claims = claims.filter(submitted_at__date__lte=on, commitment__committed_at__date__lte=on)
    for row in commitments:
        year = row["financial_year"]
        strand_figures = figures(year, row["strand_id"])
        strand_figures.committed += row["committed"]
        strand_figures.awarded += row["awarded"]
        strand_figures.awards += row["awards"]
        groups[(row["strand_id"], year, *(row[name] for name in window))][0] += row["committed"]
    for row in claims:
        year = row["commitment__financial_year"]
        strand_figures = figures(year, row["commitment__strand_id"])
        strand_figures.claimed += row["claimed"]
        strand_figures.paid += row["paid"]
        key = (row["commitment__strand_id"], year, *(row[f"commitment__{n}"] for n in window))
        groups[key][1] += row["paid"]


def money_year(*, financial_year: str, on: date | None = None) -> MoneyYear:
    """One financial year's money (zeros where nothing is recorded)."""
    found = money_years(financial_year=financial_year, on=on)
    return found[0] if found else MoneyYear(financial_year)
