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

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from applications.models import AwardShare, PartnerConfirmation, PartnerStatus
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


# What uses up an award: every claim not sent back. The one definition of
# "claimed", read by the pages, the admin and the services' checks alike.
CLAIMED = Q(claims__state__in=LIVE_CLAIM_STATES)
PAID = Q(claims__state=ClaimState.PAID)


def commitments_with_totals(
    queryset: QuerySet[Commitment], *, council_id: int | None = None
) -> QuerySet[Commitment]:
    """Each award with `claimed` (every claim not sent back, by any council)
    and `paid`; with `council_id`, also `council_claimed` and `council_paid`
    (that council's own claims) and `share` (its share of the award: None
    when the award has no shares, docs/money.md "Partner councils' shares")."""
    totals = queryset.annotate(claimed=_sum(CLAIMED), paid=_sum(PAID))
    if council_id is None:
        return totals
    own = Q(claims__council_id=council_id)
    share = AwardShare.objects.filter(
        application_id=OuterRef("application_id"), council_id=council_id
    ).values("amount")[:1]
    return totals.annotate(
        council_claimed=_sum(CLAIMED & own),
        council_paid=_sum(PAID & own),
        share=Subquery(share, output_field=DecimalField(max_digits=14, decimal_places=2)),
    )


def claimed_total(commitment: Commitment, *, council_id: int | None = None) -> Decimal:
    """What has been claimed on the award (by `council_id` alone, when given)."""
    found = commitments_with_totals(
        Commitment.objects.filter(pk=commitment.pk), council_id=council_id
    )
    row = found.values("claimed", *(("council_claimed",) if council_id else ())).get()
    return row["council_claimed"] if council_id else row["claimed"]


def _claimable_by(council_id: int) -> Q:
    """The awards a council claims on: those it leads, and those of which it
    has a share as a partner that confirmed (by itself or by a letter an
    officer recorded). A partner yet to answer, or one that declined, does
    not (as it cannot read the award: docs/security.md)."""
    share = AwardShare.objects.filter(
        application_id=OuterRef("application_id"), council_id=council_id
    )
    confirmed = PartnerConfirmation.objects.filter(
        application_id=OuterRef("application_id"),
        council_id=council_id,
        status=PartnerStatus.CONFIRMED,
    )
    return Q(council_id=council_id) | (Q(Exists(share)) & Q(Exists(confirmed)))


def commitments_for_council(*, council_id: int) -> QuerySet[Commitment]:
    """The awards the council claims on (its own and, as a confirmed partner,
    those it has a share of), newest year first, with the award's totals and
    the council's own."""
    return commitments_with_totals(
        Commitment.objects.filter(_claimable_by(council_id))
        .select_related("application", "investment", "strand", "council")
        .order_by("-financial_year", "-pk"),
        council_id=council_id,
    )


def commitment_get_for_user(*, user: User, pk: int) -> Commitment:
    """The award if the user's council claims on it; 404 otherwise, so others learn nothing."""
    found = (
        commitments_for_council(council_id=user.council_id).filter(pk=pk).first()
        if user.council_id
        else None
    )
    if found is None:
        raise Http404("No award of your council has this number")
    return found


@dataclass(frozen=True)
class ClaimLimit:
    """What one council may still claim on an award: the least of what
    remains of the award and what remains of the council's share."""

    award_left: Decimal
    share_left: Decimal | None  # None: the award has no shares (the lead's is the whole)

    @property
    def left(self) -> Decimal:
        left = self.award_left if self.share_left is None else min(self.award_left, self.share_left)
        return max(left, ZERO)  # a share set below what was claimed leaves nothing

    @property
    def by_share(self) -> bool:
        """The council's share, not the award, is what stops it."""
        return self.share_left is not None and self.share_left < self.award_left


def claim_limit(commitment: Commitment, *, council_id: int) -> ClaimLimit | None:
    """What `council_id` may still claim on the award; None when it may not
    claim on it at all (docs/money.md, "Partner councils' shares"). The lead
    claims within its share, or the whole award when it has no shares (an
    allocation outside bids, an award made before shares); a confirmed
    partner within its share. Read under the award's lock by claim_submit."""
    found = (
        commitments_with_totals(
            Commitment.objects.filter(_claimable_by(council_id), pk=commitment.pk),
            council_id=council_id,
        )
        .values("amount", "claimed", "council_claimed", "share")  # type: ignore[misc]
        .first()
    )
    if found is None:
        return None
    share = found["share"]
    if share is None and commitment.council_id != council_id:
        return None
    return ClaimLimit(
        award_left=found["amount"] - found["claimed"],
        share_left=None if share is None else share - found["council_claimed"],
    )


def claims_for_commitment(*, commitment: Commitment, council_id: int | None = None) -> list[Claim]:
    """The award's claims, newest first (the council's own, with `council_id`)."""
    claims = commitment.claims.select_related("council")
    if council_id is not None:
        claims = claims.filter(council_id=council_id)
    return list(claims.order_by("-submitted_at", "-pk"))


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
    # A claim sent back after `on` was still claimed at the end of `on`.
    claimed_then = Q(state__in=LIVE_CLAIM_STATES) | Q(
        state=ClaimState.SENT_BACK, sent_back_at__date__gt=on
    )
    claims = (
        Claim.objects.filter(claimed_then)
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
