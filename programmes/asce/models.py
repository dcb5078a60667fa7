"""Adult Social Care Efficiency (ASCE): councils' annual returns and their statistics.

Board paper paras 10-14: participating councils report their adult social
care budget and the efficiency savings made each year, and project savings
for the following years. The percentage of budget is always derived from the
two amounts, never typed in. `AsceStatistic` holds the per-year mean, median
and mode, recomputed by the rollup worker (never per request).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone

from programmes.models import Council
from savings.models import MONEY
from savings.years import FINANCIAL_YEAR_REGEX, validate_financial_year

HUNDRED = Decimal(100)

# Para 14: the themes through which savings are being made.
THEMES = {
    "theme_carers": "Supporting carers",
    "theme_admissions": "Admissions to residential care and reablement",
    "theme_bureaucracy": "Reducing bureaucracy and on-costs",
    "theme_buildings": "Fewer buildings",
    "theme_procurement": "Procurement",
}


class AsceReturn(models.Model):
    """One council's return for one financial year."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="asce_returns")
    financial_year = models.CharField(
        max_length=7,
        validators=[validate_financial_year],
        help_text="The year the savings were achieved, like 2012/13",
    )
    budget = models.DecimalField(
        "adult social care budget", help_text="In pounds, for the year", **MONEY
    )
    savings_achieved = models.DecimalField(
        "efficiency savings achieved", help_text="In pounds, in the year", **MONEY
    )
    theme_carers = models.BooleanField(THEMES["theme_carers"], default=False)
    theme_admissions = models.BooleanField(THEMES["theme_admissions"], default=False)
    theme_bureaucracy = models.BooleanField(THEMES["theme_bureaucracy"], default=False)
    theme_buildings = models.BooleanField(THEMES["theme_buildings"], default=False)
    theme_procurement = models.BooleanField(THEMES["theme_procurement"], default=False)
    notes = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the council reported it, apart from when the row was written: the
    # board counts the council as taking part from this day (docs/board.md,
    # "As at a date").
    reported_on = models.DateField("reported on", default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["financial_year", "council__name"]
        verbose_name = "ASCE return"
        constraints = [
            models.UniqueConstraint(
                fields=["council", "financial_year"], name="asce_one_return_per_council_year"
            ),
            models.CheckConstraint(
                condition=models.Q(budget__gt=0),
                name="asce_budget_positive",
                violation_error_message="The budget must be more than £0",
            ),
            models.CheckConstraint(
                condition=models.Q(savings_achieved__gte=0)
                & models.Q(savings_achieved__lte=models.F("budget")),
                name="asce_savings_within_budget",
                violation_error_message="Savings cannot be more than the budget",
            ),
            models.CheckConstraint(
                condition=models.Q(financial_year__regex=FINANCIAL_YEAR_REGEX),
                name="asce_return_financial_year_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.council} ASCE return {self.financial_year}"

    @property
    def achieved_percent(self) -> Decimal:
        return self.savings_achieved * HUNDRED / self.budget

    @property
    def themes(self) -> list[str]:
        return [label for field, label in THEMES.items() if getattr(self, field)]


class AsceProjection(models.Model):
    """Savings a council projects, in its return, for a later financial year."""

    asce_return = models.ForeignKey(
        AsceReturn, on_delete=models.CASCADE, related_name="projections"
    )
    financial_year = models.CharField(max_length=7, validators=[validate_financial_year])
    amount = models.DecimalField(help_text="In pounds", **MONEY)

    class Meta:
        ordering = ["financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["asce_return", "financial_year"], name="asce_one_projection_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="asce_projection_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(financial_year__regex=FINANCIAL_YEAR_REGEX),
                name="asce_projection_financial_year_format",
            ),
        ]

    def __str__(self) -> str:
        return f"£{self.amount:,} projected for {self.financial_year}"

    @property
    def percent(self) -> Decimal:
        # Against the budget in the return that made the projection.
        return self.amount * HUNDRED / self.asce_return.budget


class AsceCorrection(models.Model):
    """A return's figures as they stood before an officer corrected them
    (`services.asce_return_update`), kept so that the statistics as at a
    date read each return's figures as they stood at the end of that day
    (docs/board.md, "As at a date"). In force from `figures_from` (the day
    the return was reported, or the previous correction's) up to the day
    before `corrected_on`."""

    asce_return = models.ForeignKey(
        AsceReturn, on_delete=models.CASCADE, related_name="corrections"
    )
    budget = models.DecimalField("adult social care budget", **MONEY)
    savings_achieved = models.DecimalField("efficiency savings achieved", **MONEY)
    # The return's projections then: {"2013/14": "1250000.00"}.
    projections = models.JSONField(default=dict, blank=True)
    figures_from = models.DateField("figures from")
    # The day the corrected figures took effect: these no longer applied at
    # the end of it.
    corrected_on = models.DateField("corrected on")
    recorded_at = models.DateTimeField("corrected at", auto_now_add=True)

    class Meta:
        ordering = ["asce_return", "-corrected_on", "-pk"]
        verbose_name = "ASCE return's earlier figures"
        verbose_name_plural = "ASCE returns' earlier figures"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(corrected_on__gt=models.F("figures_from")),
                name="asce_correction_after_figures",
            ),
        ]
        indexes = [
            # As at a date: the first correction after it, per return.
            models.Index(fields=["corrected_on", "asce_return"], name="asce_correction_on"),
        ]

    def __str__(self) -> str:
        return f"{self.asce_return} as it stood until {self.corrected_on:%-d %B %Y}"

    @property
    def achieved_percent(self) -> Decimal:
        return self.savings_achieved * HUNDRED / self.budget


class Measure(models.TextChoices):
    ACHIEVED = "achieved", "Achieved"
    PROJECTED = "projected", "Projected"


class AsceStatistic(models.Model):
    """Savings as % of budget across councils for one year: a stored rollup."""

    financial_year = models.CharField(max_length=7)
    measure = models.CharField(max_length=10, choices=Measure.choices)
    council_count = models.PositiveIntegerField()
    mean_percent = models.DecimalField(max_digits=7, decimal_places=2)
    median_percent = models.DecimalField(max_digits=7, decimal_places=2)
    # The mode of the percentages rounded to whole per cent, as the paper's
    # "modal saving 7%" (para 13.1); ties go to the lowest value.
    mode_percent = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["financial_year", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["financial_year", "measure"], name="asce_one_statistic_per_year_measure"
            ),
        ]

    def __str__(self) -> str:
        return f"ASCE {self.get_measure_display().lower()} {self.financial_year}"


def report_storage() -> FileSystemStorage:
    """Report documents live outside anything served, and are streamed by the
    portal's own view (published reports only); read per call so that
    PRIVATE_STORAGE_ROOT set by tests or deployments takes effect."""
    return FileSystemStorage(location=settings.PRIVATE_STORAGE_ROOT / "asce")


class PositionReport(models.Model):
    """A programme position report: 'Initial Position' (December 2012, para 10),
    'Interim Position' (launched at the 19 July 2013 event, para 11).

    The reports are the programme's public evidence for all councils, so a
    published report (and its document) is public; a report not yet
    published is seen only in the admin.
    """

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    report_date = models.DateField(help_text="The date of the report, or the first of its month")
    date_is_month_only = models.BooleanField(
        default=False, help_text="Only the month is known, as for 'December 2012'"
    )
    summary = models.TextField()
    document = models.FileField(
        upload_to="reports/", storage=report_storage, blank=True, max_length=200
    )
    published = models.BooleanField(default=False)
    launch_event = models.ForeignKey(
        "AsceEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )

    class Meta:
        ordering = ["report_date", "pk"]
        indexes = [
            # The public list: WHERE published ORDER BY report_date.
            models.Index(fields=["published", "report_date"], name="asce_report_public_list"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def when(self) -> str:
        return (
            f"{self.report_date:%B %Y}"
            if self.date_is_month_only
            else f"{self.report_date:%-d %B %Y}"
        )


class AsceEvent(models.Model):
    """A programme event, such as the 19 July 2013 launch of the Interim Position (para 11)."""

    title = models.CharField(max_length=200)
    held_on = models.DateField()
    venue = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["held_on", "pk"]
        verbose_name = "ASCE event"
        constraints = [
            models.UniqueConstraint(fields=["title", "held_on"], name="asce_event_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%-d %B %Y})"


class Presentation(models.Model):
    """A presentation at an event: by a participating council (para 12.2-12.3) or
    by another organisation, such as the TEASC team or NEPO (para 12.4)."""

    event = models.ForeignKey(AsceEvent, on_delete=models.CASCADE, related_name="presentations")
    council = models.ForeignKey(
        Council, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.CharField(
        max_length=200, blank=True, help_text="When the presenter is not a council"
    )
    topic = models.CharField(max_length=300)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["event", "display_order", "pk"]
        constraints = [
            # Exactly one presenter: a council or a named organisation.
            models.CheckConstraint(
                condition=(models.Q(council__isnull=False) & models.Q(organisation=""))
                | (models.Q(council__isnull=True) & ~models.Q(organisation="")),
                name="asce_presentation_one_presenter",
                violation_error_message="Give the presenting council or the organisation, not both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.presenter}: {self.topic}"

    @property
    def presenter(self) -> str:
        return self.council.name if self.council is not None else self.organisation
