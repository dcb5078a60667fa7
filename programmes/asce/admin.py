"""Officers' workspace for ASCE: returns, position reports and events.

Return edits go through `programmes.asce.services`, so each marks the savings
outbox and the worker recomputes the year's statistics; the statistics are
derived and read-only here.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.utils.html import format_html, format_html_join

from programmes import audit
from programmes.admin_tools import (
    AuditTrailMixin,
    ReadOnlyAdmin,
    SafeChoicesMixin,
    ServiceRefusalMixin,
    form_data,
    formset_through_services,
)
from programmes.asce import services
from programmes.asce.models import (
    THEMES,
    AsceEvent,
    AsceReturn,
    AsceStatistic,
    PositionReport,
    Presentation,
)
from programmes.forms import DATE_FORMATS, earlier_date_check
from savings.admin import EarlierDateMixin
from savings.years import validate_financial_year

PROJECTION_LINE = re.compile(r"^\s*(\d{4}/\d{2})\s*[:=]?\s*£?\s*([\d,]+(?:\.\d{1,2})?)\s*$")


def projections_parse(text: str) -> dict[str, Decimal]:
    """Lines like "2013/14: 1,250,000" into {"2013/14": Decimal("1250000")}."""
    parsed: dict[str, Decimal] = {}
    errors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        found = PROJECTION_LINE.match(line)
        if not found:
            errors.append(f"Line {number}: write a year and an amount, like 2013/14: 1250000")
            continue
        try:
            validate_financial_year(found[1])
        except ValidationError as error:
            errors.append(f"Line {number}: {' '.join(error.messages)}")
            continue
        try:
            parsed[found[1]] = Decimal(found[2].replace(",", ""))
        except InvalidOperation:
            errors.append(f"Line {number}: the amount must be a number of pounds")
    if errors:
        raise ValidationError(errors)
    return parsed


class AsceReturnForm(EarlierDateMixin):
    # The day the council reported it: today, or an earlier day with the
    # reason (docs/board.md, "As at a date"); fixed once recorded, like the
    # council and year.
    date_field = "reported_on"
    projections = forms.CharField(
        label="Projected savings",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One later year a line, with the amount in pounds: 2013/14: 1250000",
    )

    class Meta:
        model = AsceReturn
        fields = [
            "council",
            "financial_year",
            "budget",
            "savings_achieved",
            *THEMES,
            "notes",
            "reported_on",
        ]

    # A correction of a recorded return's figures: the day it takes effect,
    # today or an earlier day with the reason (docs/board.md, "As at a date").
    corrected_on = forms.DateField(
        input_formats=DATE_FORMATS,
        label="The corrected figures apply from",
        required=False,
        help_text="Leave empty for today. The figures they replace are kept for earlier dates",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields["corrected_on"]
        if self.instance.pk:
            self.fields["council"].disabled = True
            self.fields["financial_year"].disabled = True
            self.fields["reported_on"].disabled = True
            self.initial["projections"] = "\n".join(
                f"{p.financial_year}: {p.amount}" for p in self.instance.projections.all()
            )

    def clean_projections(self) -> dict[str, Decimal]:
        return projections_parse(self.cleaned_data.get("projections", ""))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("corrected_on") is not None:
            earlier_date_check(self, "corrected_on", cleaned["corrected_on"])
        year = cleaned.get("financial_year")
        for projected in cleaned.get("projections") or {}:
            if year and projected <= year:
                self.add_error("projections", f"{projected} is not after the return's year {year}")
        return cleaned


@admin.register(AsceReturn)
class AsceReturnAdmin(AuditTrailMixin, SafeChoicesMixin, ServiceRefusalMixin, admin.ModelAdmin):
    form = AsceReturnForm
    list_display = [
        "council",
        "financial_year",
        "budget",
        "savings_achieved",
        "percent",
        "projection_count",
    ]
    list_filter = ["financial_year", *THEMES]
    list_select_related = ["council"]
    search_fields = ["council__name", "council__short_name", "notes"]
    autocomplete_fields = ["council"]

    readonly_fields = ["earlier_figures"]

    def get_fields(self, request, obj=None):
        # A correction's day is for a recorded return only.
        fields = super().get_fields(request, obj)
        return [field for field in fields if obj is not None or field != "corrected_on"]

    def get_queryset(self, request) -> QuerySet[AsceReturn]:
        return super().get_queryset(request).annotate(_projections=Count("projections"))

    @admin.display(description="Earlier figures")
    def earlier_figures(self, asce_return: AsceReturn) -> str:
        """The figures corrections replaced, newest first, read-only: each in
        force from its first day up to the day before it was corrected."""
        rows = list(asce_return.corrections.all()) if asce_return.pk else []
        if not rows:
            return "None: the figures have not been corrected"
        return format_html(
            "<table><thead><tr><th>Budget</th><th>Savings achieved</th><th>% of budget</th>"
            "<th>Projections</th><th>Applied from</th><th>Corrected on</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>£{}</td><td>£{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        f"{row.budget:,.2f}",
                        f"{row.savings_achieved:,.2f}",
                        f"{row.achieved_percent:.1f}%",
                        "; ".join(
                            f"{year}: £{Decimal(amount):,.2f}"
                            for year, amount in row.projections.items()
                        )
                        or "none",
                        f"{row.figures_from:%-d %B %Y}",
                        f"{row.corrected_on:%-d %B %Y}",
                    )
                    for row in rows
                ),
            ),
        )

    @admin.display(description="% of budget")
    def percent(self, asce_return: AsceReturn) -> str:
        return f"{asce_return.achieved_percent:.1f}%"

    @admin.display(description="Projections", ordering="_projections")
    def projection_count(self, asce_return: AsceReturn) -> int:
        return asce_return._projections  # type: ignore[attr-defined]  # get_queryset's annotation

    def save_model(self, request, obj: AsceReturn, form, change: bool) -> None:
        data = form.cleaned_data
        themes = [field for field in THEMES if data.get(field)]
        if change:
            with audit.reason(data.get("date_reason", "").strip()):
                services.asce_return_update(
                    actor=request.user,
                    asce_return=obj,
                    budget=obj.budget,
                    savings_achieved=obj.savings_achieved,
                    projections=data["projections"],
                    themes=themes,
                    notes=obj.notes,
                    corrected_on=data.get("corrected_on"),
                )
            return
        with audit.reason(data.get("date_reason", "").strip()):
            created = services.asce_return_record(
                actor=request.user,
                council=obj.council,
                financial_year=obj.financial_year,
                budget=obj.budget,
                savings_achieved=obj.savings_achieved,
                projections=data["projections"],
                themes=themes,
                notes=obj.notes,
                reported_on=data["reported_on"],
            )
        obj.pk = created.pk

    def delete_model(self, request, obj: AsceReturn) -> None:
        services.asce_return_delete(actor=request.user, asce_return=obj)

    def delete_queryset(self, request, queryset: QuerySet[AsceReturn]) -> None:
        for asce_return in queryset:
            services.asce_return_delete(actor=request.user, asce_return=asce_return)


@admin.register(AsceStatistic)
class AsceStatisticAdmin(ReadOnlyAdmin):
    """Derived by the rollup worker from the returns: officers may look only."""

    list_display = [
        "financial_year",
        "measure",
        "council_count",
        "mean_percent",
        "median_percent",
        "mode_percent",
        "computed_at",
    ]
    list_filter = ["measure", "financial_year"]


@admin.register(PositionReport)
class PositionReportAdmin(admin.ModelAdmin):
    list_display = ["title", "when", "published", "launch_event", "has_document"]
    list_filter = ["published"]
    list_select_related = ["launch_event"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}

    @admin.display(description="Document", boolean=True)
    def has_document(self, report: PositionReport) -> bool:
        return bool(report.document)

    def save_model(self, request, obj: PositionReport, form, change: bool) -> None:
        if change:
            # The slug may be edited here, where the upsert would add a report.
            services.position_report_update(
                actor=request.user, report=obj, data=form_data(form, services.REPORT_FIELDS)
            )
            return
        document = form.cleaned_data.get("document")
        saved = services.position_report_upsert(
            actor=request.user,
            slug=obj.slug,
            title=obj.title,
            report_date=obj.report_date,
            date_is_month_only=obj.date_is_month_only,
            summary=obj.summary,
            published=obj.published,
            launch_event=obj.launch_event,
            document=document if "document" in form.changed_data and document else None,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj: PositionReport) -> None:
        services.position_report_delete(actor=request.user, report=obj)

    def delete_queryset(self, request, queryset: QuerySet[PositionReport]) -> None:
        for report in queryset:
            services.position_report_delete(actor=request.user, report=report)


class PresentationInline(SafeChoicesMixin, admin.TabularInline):
    model = Presentation
    autocomplete_fields = ["council"]
    fields = ["display_order", "council", "organisation", "topic"]
    extra = 0


@admin.register(AsceEvent)
class AsceEventAdmin(admin.ModelAdmin):
    list_display = ["title", "held_on", "venue", "presentation_count"]
    search_fields = ["title", "description", "presentations__topic"]
    date_hierarchy = "held_on"
    inlines = [PresentationInline]

    def get_queryset(self, request) -> QuerySet[AsceEvent]:
        return super().get_queryset(request).annotate(_presentations=Count("presentations"))

    @admin.display(description="Presentations", ordering="_presentations")
    def presentation_count(self, event: AsceEvent) -> int:
        return event._presentations  # type: ignore[attr-defined]  # get_queryset's annotation

    def save_model(self, request, obj: AsceEvent, form, change: bool) -> None:
        if change:
            services.asce_event_update(
                actor=request.user, event=obj, data=form_data(form, services.EVENT_FIELDS)
            )
            return
        saved = services.asce_event_upsert(
            actor=request.user,
            title=obj.title,
            held_on=obj.held_on,
            venue=obj.venue,
            description=obj.description,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj: AsceEvent) -> None:
        services.asce_event_delete(actor=request.user, event=obj)

    def delete_queryset(self, request, queryset: QuerySet[AsceEvent]) -> None:
        for event in queryset:
            services.asce_event_delete(actor=request.user, event=event)

    def save_formset(self, request, form, formset, change: bool) -> None:
        # Each presentation through the services: a new one into its slot,
        # a changed one updated, a removed one deleted.
        def save(presentation: Presentation, data: dict) -> None:
            if presentation.pk:
                services.presentation_update(
                    actor=request.user, presentation=presentation, data=data
                )
                return
            services.presentation_set(
                actor=request.user,
                event=form.instance,
                topic=data["topic"],
                display_order=data["display_order"],
                council=data.get("council"),
                organisation=data.get("organisation", ""),
            )

        formset_through_services(
            formset,
            save=save,
            delete=lambda presentation: services.presentation_delete(
                actor=request.user, presentation=presentation
            ),
        )
