"""Investment and savings facts: typed rows, never JSON blobs.

Money is Decimal pounds to the penny. Financial years are `2013/14` strings
(`savings.years`), which sort in date order. The savings issue adds the
outbox and rollups on top of these facts.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TypedDict

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone

from programmes import documents
from programmes.models import Council, Strand
from savings.years import FINANCIAL_YEAR_REGEX, validate_financial_year


class _Money(TypedDict, total=False):
    max_digits: int
    decimal_places: int
    default: int


MONEY: _Money = {"max_digits": 14, "decimal_places": 2}
# Totals over many facts need more room than one fact.
TOTAL: _Money = {"max_digits": 18, "decimal_places": 2, "default": 0}


def evidence_upload_to(instance: SavingsEntry, filename: str) -> str:
    """A random name, so a stored file says nothing about the council or saving."""
    kind = PurePath(filename).suffix.lower().removeprefix(".")
    return f"returns/{documents.random_name(kind)}"


def private_storage() -> FileSystemStorage:
    """Evidence documents live outside anything served; read per call so that
    PRIVATE_STORAGE_ROOT set by tests or deployments takes effect."""
    return FileSystemStorage(location=settings.PRIVATE_STORAGE_ROOT / "savings")


class InvestmentSource(models.TextChoices):
    LGA_GRANT = "lga_grant", "LGA grant"
    CABINET_OFFICE = "cabinet_office", "Cabinet Office allocation"
    ADVISER_DAYS = "adviser_days", "Adviser days at a day rate"
    PARTNER = "partner", "Partner contribution"


class ScopedFact(models.Model):
    """What investment and savings facts share: an amount for one financial
    year, in a (strand, council, year) scope that the rollups recompute.
    Each subclass declares its strand, council and bid links (their reverse
    names differ) and its constraints (named per table)."""

    strand_id: int
    council_id: int
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def scope(self) -> tuple[int, int, str]:
        """The rollup scope this fact counts in (savings.outbox.Scope)."""
        return (self.strand_id, self.council_id, self.financial_year)


class Investment(ScopedFact):
    """What the LGA (or a partner) puts into a council's work in a strand."""

    strand = models.ForeignKey(Strand, on_delete=models.PROTECT, related_name="investments")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="investments")
    # The award: an approved bid, where the money came through one.
    application = models.ForeignKey(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="investments",
    )
    source = models.CharField(max_length=20, choices=InvestmentSource.choices)
    description = models.CharField(max_length=300, blank=True)
    # The bid's reference, copied by the services whenever they set
    # `application` (a reference never changes once given): the admin's
    # search reads it on this table, with a trigram index, instead of
    # looking the word up in every bid first (docs/savings.md, "A word that
    # matches many bids"). Blank without a bid.
    bid_reference = models.CharField(max_length=20, blank=True, default="", db_default="")
    # When the award took effect (the bid's decision, the allocation), apart
    # from when the row was written (`created_at`): the board's figures as
    # at a date count it from this day (docs/savings.md, "Effective dates").
    awarded_on = models.DateField("awarded on", default=timezone.localdate)

    class Meta:
        ordering = ["financial_year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="investment_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(financial_year__regex=FINANCIAL_YEAR_REGEX),
                name="investment_financial_year_format",
            ),
        ]
        indexes = [
            # The rollup recompute of one scope: WHERE strand, council, year.
            models.Index(fields=["strand", "council", "financial_year"], name="investment_scope"),
            # The admin list in its ordering, both ways: its first page reads
            # forwards and its last pages backwards (admin_tools.BigListMixin),
            # a year filter is a range of it, and the year filter's choices
            # are one probe per year (admin_tools.distinct_values).
            models.Index(fields=["financial_year", "id"], name="investment_year_id"),
            # The board's figures as at a date (savings.selectors.facts_as_at):
            # a council's awards up to the date, and the programme's.
            models.Index(fields=["council", "awarded_on"], name="investment_council_awarded"),
            models.Index(fields=["awarded_on"], name="investment_awarded_on"),
            # The admin's search (a case-insensitive "contains") reads a
            # trigram index, investment_description_trgm, which only
            # PostgreSQL has: it is made by migration savings 0006 and is not
            # in this list (docs/savings.md, "Search"); so is the one on
            # the copied bid reference, investment_bid_reference_trgm
            # (migration savings 0013).
        ]

    def __str__(self) -> str:
        return f"£{self.amount:,} to {self.council} ({self.financial_year})"


class SavingsKind(models.TextChoices):
    PROJECTED = "projected", "Projected"
    TARGET = "target", "Target"
    REALISED = "realised", "Realised"


class Recurrence(models.TextChoices):
    ONE_OFF = "one_off", "One-off"
    RECURRING = "recurring", "Recurring (a year)"


class Withheld(models.TextChoices):
    """Why a line of a return counts nowhere in the rollups (blank: it counts)."""

    DRAFT = "draft", "In a return not yet sent"
    SENT_BACK = "sent_back", "Sent back to the council"
    WITHDRAWN = "withdrawn", "Withdrawn by the council"


class SavingsEntry(ScopedFact):
    """A saving for one council, strand and financial year."""

    strand = models.ForeignKey(Strand, on_delete=models.PROTECT, related_name="savings")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="savings")
    application = models.ForeignKey(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="savings",
    )
    kind = models.CharField(max_length=20, choices=SavingsKind.choices)
    recurrence = models.CharField(
        max_length=20, choices=Recurrence.choices, default=Recurrence.ONE_OFF
    )
    evidence = models.TextField(blank=True)
    # The bid's reference, copied by the services, as Investment.bid_reference.
    bid_reference = models.CharField(max_length=20, blank=True, default="", db_default="")
    # When the saving was reported (an officer's record, or the day its
    # return was sent), apart from when the row was written (`created_at`);
    # `verified_at` is when it was verified. The board's figures as at a
    # date count a saving from these (docs/savings.md, "Effective dates").
    reported_on = models.DateField("reported on", default=timezone.localdate)
    # A council's return: realised savings reported through the web form, with
    # an optional supporting document. They count as realised only once an
    # officer has verified them (docs/savings.md); until then they are shown apart.
    document = models.FileField(
        upload_to=evidence_upload_to, storage=private_storage, blank=True, max_length=200
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A line of a council's periodic return; officers' own entries have none.
    savings_return = models.ForeignKey(
        "returns.SavingsReturn",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
    )
    # Blank: the fact counts in the rollups. Otherwise it counts nowhere
    # (savings.rollups): a draft line, one sent back, one withdrawn.
    withheld = models.CharField(max_length=20, choices=Withheld.choices, blank=True)

    class Meta:
        ordering = ["financial_year", "pk"]
        verbose_name_plural = "savings entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="savings_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(verified_by__isnull=True) | models.Q(verified_at__isnull=False),
                name="savings_verifier_only_when_verified",
            ),
            models.CheckConstraint(
                condition=models.Q(financial_year__regex=FINANCIAL_YEAR_REGEX),
                name="savings_financial_year_format",
            ),
        ]
        indexes = [
            # The rollup recompute of one scope: WHERE strand, council, year.
            models.Index(fields=["strand", "council", "financial_year"], name="savings_scope"),
            # The admin list's ordering: as investment_year_id above.
            models.Index(fields=["financial_year", "id"], name="savings_year_id"),
            # The board's figures as at a date (savings.selectors.facts_as_at),
            # as investment_council_awarded and investment_awarded_on.
            models.Index(fields=["council", "reported_on"], name="savings_council_reported"),
            models.Index(fields=["reported_on"], name="savings_reported_on"),
            # As at a date, the savings of the date's own month: those
            # reported in it (savings_reported_on) or verified in it (this
            # one; only verified rows are indexed), savings.selectors.
            models.Index(
                fields=["verified_at"],
                name="savings_verified_at",
                condition=models.Q(verified_at__isnull=False),
            ),
            # The admin's search: savings_evidence_trgm and
            # savings_bid_reference_trgm, as investment_description_trgm
            # and investment_bid_reference_trgm above.
        ]

    def __str__(self) -> str:
        kind = self.get_kind_display().lower()
        return f"£{self.amount:,} {kind} by {self.council} ({self.financial_year})"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def counts_as_realised(self) -> bool:
        return self.kind == SavingsKind.REALISED and self.is_verified


class OutboxMarker(models.Model):
    """A scope whose rollups are out of date: the transactional outbox.

    Every service that changes a fact inserts a marker for the fact's scope
    in the same transaction. Markers are only ever inserted, never updated:
    two saves never wait for each other's marker, whatever order they touch
    scopes in (an upsert on one marker per scope deadlocked two saves moving
    facts between the same two scopes in opposite directions). A scope may
    have several markers; the drain recomputes it once and removes exactly
    the markers it read, so a change committed while it runs keeps its own
    marker for the next drain.
    """

    strand = models.ForeignKey(Strand, on_delete=models.CASCADE, related_name="+")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    financial_year = models.CharField(max_length=7)
    marked_at = models.DateTimeField()

    class Meta:
        ordering = ["marked_at"]
        indexes = [
            # outbox_oldest_pending() and the drain: the oldest markers first.
            models.Index(fields=["marked_at"], name="outbox_marked_at"),
            # The drain collects every marker of the scopes it recomputes.
            models.Index(fields=["strand", "council", "financial_year"], name="outbox_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.strand_id}/{self.council_id}/{self.financial_year}"


class Rollup(models.Model):
    """Totals for one scope, recomputed from the facts by the worker.

    A scope is (strand, council, financial year) or any coarser total: a blank
    strand, council or year means "all". `scope_key` ("3:17:2013/14",
    "3:*:*", "*:*:*") makes each scope unique portably (NULLs never clash in
    a unique constraint) and is the upsert's conflict target. A row exists
    only while its scope has at least one fact. Dashboards read these rows
    through `savings.selectors` and nothing else.
    """

    scope_key = models.CharField(max_length=40, unique=True)
    # Derived rows: no database foreign-key checks or single-column indexes,
    # which would slow the full recompute's bulk insert for nothing (the
    # composite indexes below serve every read; councils and strands with
    # facts cannot be deleted, facts PROTECT them).
    strand = models.ForeignKey(
        Strand,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    council = models.ForeignKey(
        Council,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    financial_year = models.CharField(max_length=7, blank=True)
    investment = models.DecimalField(**TOTAL)
    investment_count = models.PositiveIntegerField(default=0)
    projected = models.DecimalField(**TOTAL)
    target = models.DecimalField(**TOTAL)
    # Verified realised savings only; reported-but-unverified ones are apart.
    realised = models.DecimalField(**TOTAL)
    realised_unverified = models.DecimalField(**TOTAL)
    savings_count = models.PositiveIntegerField(default=0)
    # Councils with any fact in the scope (1 for a council's own scopes).
    council_count = models.PositiveIntegerField(default=0)
    # £ saved per £1 invested; empty where nothing was invested.
    projected_roi = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    realised_roi = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["strand_id", "council_id", "financial_year"]
        indexes = [
            # Selectors and the coarser levels' recompute read one level at a
            # time: WHERE strand [IS NULL], council [IS NULL], year [= ''].
            models.Index(fields=["strand", "council", "financial_year"], name="rollup_scope"),
            models.Index(fields=["council", "financial_year"], name="rollup_council_year"),
            # The totals over all councils are summed from the per-council
            # rows with the same strand (or none) and year (or none).
            models.Index(fields=["strand", "financial_year"], name="rollup_strand_year"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(investment__gte=0)
                & models.Q(projected__gte=0)
                & models.Q(target__gte=0)
                & models.Q(realised__gte=0)
                & models.Q(realised_unverified__gte=0),
                name="rollup_totals_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Rollup {self.scope_key}"


class RollupMonth(models.Model):
    """A (strand, council, year) scope's facts by month of effective date
    (docs/savings.md, "Rollups by month"): what the board's figures as at a
    past date sum for the whole months before it.

    Like `Rollup`, recomputed from the facts for every dirty scope by the
    outbox drain, in its transaction and under its lock (never by a delta),
    and in full by `recompute_rollups --all`. `month` is the first day of
    the month. An investment counts in the month of `awarded_on`; a counted
    saving (not withheld) in the month of `reported_on` (`projected`,
    `target`, `realised_reported`, `savings_count`); a realised saving
    verified also in the month it became verified (`realised_verified`):
    of the later of `reported_on` and the day of `verified_at` in the
    project's time zone. So as at a date a realised saving is verified once
    both months are past, and awaiting verification is
    `realised_reported - realised_verified`. A row exists only for a month
    where something counts.

    Rows with `whole_year` set are the sums of a calendar year's month rows
    (`month` its 1 January), written by the same recompute from the month
    rows: a date reads those of the years before its own and the month rows
    of its own year, about a fifth as many rows as every month before it.
    """

    strand = models.ForeignKey(
        Strand,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    council = models.ForeignKey(
        Council,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    financial_year = models.CharField(max_length=7)
    month = models.DateField()
    whole_year = models.BooleanField(default=False)
    investment = models.DecimalField(**TOTAL)
    investment_count = models.PositiveIntegerField(default=0)
    projected = models.DecimalField(**TOTAL)
    target = models.DecimalField(**TOTAL)
    realised_reported = models.DecimalField(**TOTAL)
    realised_verified = models.DecimalField(**TOTAL)
    savings_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["strand_id", "council_id", "financial_year", "whole_year", "month"]
        constraints = [
            # The drain's delete of a scope, and a strand's rows (its first column).
            models.UniqueConstraint(
                fields=["strand", "council", "financial_year", "whole_year", "month"],
                name="rollup_month_scope",
            ),
        ]
        indexes = [
            # The programme as at a date: the years before its year, the
            # months of its year before its month (two ranges).
            models.Index(fields=["whole_year", "month"], name="rollup_month_span"),
            # A council's page as at a date.
            models.Index(fields=["council", "whole_year", "month"], name="rollup_month_council"),
        ]

    def __str__(self) -> str:
        return f"{self.strand_id}/{self.council_id}/{self.financial_year} {self.month:%Y-%m}"


class RollupRun(models.Model):
    """One drain or full recompute that did work: how many markers and scopes,
    how long. Operators (and the benchmark) read recomputes per change here."""

    class Trigger(models.TextChoices):
        DRAIN = "drain", "Outbox drain"
        FULL = "full", "Full recompute"

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    markers = models.PositiveIntegerField(default=0)
    scopes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The nightly prune deletes runs older than a week.
            models.Index(fields=["started_at"], name="rollup_run_started"),
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} at {self.started_at:%Y-%m-%d %H:%M:%S}"


class ReturnSubmission(models.Model):
    """One sending of the savings return form, keyed by the token the form carried.

    A double-click or a replayed POST sends the same token twice; the unique key
    makes the second sending find the first's return instead of adding another.
    The key is claimed before the return is written, so on PostgreSQL a second
    concurrent sending waits on the first's row and then sees it.
    """

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Empty only if an officer later deleted the return: the form is still spent.
    entry = models.OneToOneField(
        SavingsEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="submission"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Savings return submission {self.key}"
