"""Officers' workspace for the Growth Advisers panel.

Every write goes through `programmes.growth.services`: the rules on days
(never above the award, only inside the support window) hold here too.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from programmes import audit
from programmes.admin_tools import AuditTrailMixin, ReadOnlyInline, SafeChoicesMixin, form_data
from programmes.forms import service_errors
from programmes.growth import services
from programmes.growth.models import (
    SUPPORT_AREAS,
    Adviser,
    AdviserCosting,
    AdviserDay,
    AdviserDayCost,
    AdviserMatch,
)
from programmes.payments.models import LIVE_CLAIM_STATES
from savings.admin import EarlierDateMixin

AREA_FIELDS = [field for field, _ in SUPPORT_AREAS]


class AdviserForm(EarlierDateMixin):
    """The day the adviser joined the panel: today, or an earlier day with
    the reason (docs/board.md, "As at a date")."""

    date_field = "joined_on"

    class Meta:
        model = Adviser
        fields = [
            "name",
            "source",
            "organisation",
            *AREA_FIELDS,
            "biography",
            "active",
            "joined_on",
        ]


@admin.register(Adviser)
class AdviserAdmin(admin.ModelAdmin):
    form = AdviserForm
    list_display = [
        "name",
        "source",
        "organisation",
        "expertise_list",
        "active",
        "joined_on",
        "left_on",
        "bid_count",
    ]
    list_filter = ["source", "active", *AREA_FIELDS]
    search_fields = ["name", "organisation", "biography"]
    fields = [
        "name",
        "source",
        "organisation",
        *AREA_FIELDS,
        "biography",
        "active",
        "joined_on",
        "date_reason",
        "left_on",
    ]
    readonly_fields = ["left_on"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Adviser]:
        return super().get_queryset(request).annotate(_bids=Count("matches"))

    @admin.display(description="Expertise")
    def expertise_list(self, adviser: Adviser) -> str:
        return ", ".join(adviser.expertise)

    @admin.display(description="Bids matched", ordering="_bids")
    def bid_count(self, adviser: Adviser) -> int:
        return adviser._bids  # type: ignore[attr-defined]  # get_queryset's annotation

    def save_model(self, request, obj: Adviser, form, change: bool) -> None:
        with audit.reason(form.cleaned_data.get("date_reason", "").strip()):
            if change:
                # A rename changes the upsert key: change this row by its id.
                services.adviser_update(
                    actor=request.user,
                    adviser=obj,
                    data=form_data(form, [*services.ADVISER_FIELDS, "joined_on"]),
                )
                return
            saved = services.adviser_upsert(
                actor=request.user,
                name=obj.name,
                source=obj.source,
                organisation=obj.organisation,
                expertise=[field for field in AREA_FIELDS if getattr(obj, field)],
                biography=obj.biography,
                active=obj.active,
                on=form.cleaned_data["joined_on"],
            )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        # Advisers leave the panel (untick "on the panel"); their history stays.
        return False


@admin.register(AdviserMatch)
class AdviserMatchAdmin(SafeChoicesMixin, admin.ModelAdmin):
    list_display = ["application", "council", "adviser", "days_used", "matched_at", "matched_by"]
    list_filter = ["adviser__source", "adviser"]
    list_select_related = ["application__lead_council", "adviser", "matched_by"]
    search_fields = ["application__reference", "application__lead_council__name", "adviser__name"]
    raw_id_fields = ["application"]
    autocomplete_fields = ["adviser"]
    fields = ["application", "adviser", "note"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AdviserMatch]:
        return super().get_queryset(request).annotate(_used=Sum("application__adviser_days__days"))

    @admin.display(description="Council", ordering="application__lead_council__name")
    def council(self, match: AdviserMatch) -> str:
        return str(match.application.lead_council)

    @admin.display(description="Days used", ordering="_used")
    def days_used(self, match: AdviserMatch) -> str:
        used = match._used  # type: ignore[attr-defined]  # get_queryset's annotation
        return f"{used or 0} of {match.application.award_days}"

    def save_model(self, request, obj: AdviserMatch, form, change: bool) -> None:
        saved = services.adviser_match(
            application=obj.application, adviser=obj.adviser, actor=request.user, note=obj.note
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AdviserDay)
class AdviserDayAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ["application", "council", "adviser", "worked_on", "days", "logged_by"]
    list_filter = ["adviser", "application__call"]
    list_select_related = ["application__lead_council", "adviser", "logged_by"]
    search_fields = ["application__reference", "application__lead_council__name", "adviser__name"]
    raw_id_fields = ["application"]
    date_hierarchy = "worked_on"
    fields = ["application", "worked_on", "days", "description"]

    @admin.display(description="Council", ordering="application__lead_council__name")
    def council(self, day: AdviserDay) -> str:
        return str(day.application.lead_council)

    def has_change_permission(self, request, obj=None) -> bool:
        # A logged day is corrected by deleting it and logging again, so the
        # award check always runs on the new figure.
        return obj is None and super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        # The service is both the check and the write, in one transaction
        # under the bid's row lock, so the add form calls it from clean():
        # a refusal (over the award, outside the window) shows as form
        # errors. The admin's add view runs inside a transaction, so a later
        # failure rolls the logged days back. The adviser comes from the match.
        def clean(this):
            cleaned = super(form, this).clean()
            if this.errors:
                return cleaned
            try:
                this._logged = services.adviser_days_log(
                    application=cleaned["application"],
                    worked_on=cleaned["worked_on"],
                    days=cleaned["days"],
                    description=cleaned.get("description", ""),
                    actor=request.user,
                )
            except ValidationError as error:
                service_errors(this, error)
            return cleaned

        form.clean = clean
        return form

    def save_model(self, request, obj: AdviserDay, form, change: bool) -> None:
        obj.pk = form._logged.pk

    def has_delete_permission(self, request, obj=None) -> bool:
        # A day costed on a claim not sent back stays (adviser_day_delete refuses it).
        if (
            obj is not None
            and obj.costs.filter(
                released_at__isnull=True, costing__claim__state__in=LIVE_CLAIM_STATES
            ).exists()
        ):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj: AdviserDay) -> None:
        services.adviser_day_delete(actor=request.user, day=obj)

    def delete_queryset(self, request, queryset: QuerySet[AdviserDay]) -> None:
        for day in queryset:
            try:
                services.adviser_day_delete(actor=request.user, day=day)
            except ValidationError as error:
                self.message_user(request, f"{day}: {error.messages[0]}", messages.ERROR)


class AdviserCostingForm(forms.ModelForm):
    """What the adviser's organisation invoiced: the award, the period its
    days were worked in, how many days, and the invoice's reference."""

    invoice_reference = forms.CharField(
        label="The adviser's organisation's invoice reference", max_length=60, required=False
    )

    class Meta:
        model = AdviserCosting
        fields = ["application", "period_from", "period_to", "days", "note"]
        error_messages = {
            "application": {
                "required": "Choose the award whose adviser days are costed",
                "invalid_choice": "Choose an award by its number",
            },
            "period_from": {
                "required": "Enter the first day of the period the invoice covers",
                "invalid": "Enter the first day of the period as a real date, like 1/9/2013",
            },
            "period_to": {
                "required": "Enter the last day of the period the invoice covers",
                "invalid": "Enter the last day of the period as a real date, like 31/10/2013",
            },
            "days": {
                "required": "Enter the number of days the adviser's organisation invoiced",
                "invalid": "Enter the number of days as a number, like 1 or 1.5",
                "max_digits": "Enter at most 14 days",
                "max_whole_digits": "Enter at most 14 days",
                "max_decimal_places": "Enter days in whole or half days, like 1 or 1.5",
            },
        }


class AdviserDayCostInline(ReadOnlyInline):
    model = AdviserDayCost
    fields = ["adviser_day", "days", "day_rate", "amount", "released_at"]


@admin.register(AdviserCosting)
class AdviserCostingAdmin(AuditTrailMixin, admin.ModelAdmin):
    """Adviser days costed: the claims paid to advisers' organisations
    (docs/money.md, "Adviser days"). Added through the costing service;
    approved and paid on the claim's own page under Money out."""

    form = AdviserCostingForm
    list_display = [
        "application",
        "council",
        "payee",
        "period",
        "days",
        "amount",
        "claim_link",
        "claim_state",
        "costed_at",
    ]
    list_filter = ["claim__state", "adviser"]
    list_select_related = ["application__lead_council", "adviser", "claim"]
    search_fields = [
        "application__reference",
        "application__lead_council__name",
        "adviser__name",
        "adviser__organisation",
        "claim__invoice_reference",
    ]
    raw_id_fields = ["application"]
    inlines = [AdviserDayCostInline]
    SHOWN = [
        "application",
        "adviser",
        "payee",
        "period_from",
        "period_to",
        "days",
        "amount",
        "claim_link",
        "claim_state",
        "costed_by",
        "costed_at",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["application", "period_from", "period_to", "days", "invoice_reference", "note"]
        return [*self.SHOWN, "note"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.SHOWN

    def audit_related(self, obj, request) -> list:
        # The claim's checks, approvals and payment show in the costing's history.
        return [obj.claim]

    @admin.display(description="Council", ordering="application__lead_council__name")
    def council(self, costing: AdviserCosting) -> str:
        return str(costing.application.lead_council)

    @admin.display(description="Paid to", ordering="claim__payee")
    def payee(self, costing: AdviserCosting) -> str:
        return costing.claim.payee

    @admin.display(description="Period")
    def period(self, costing: AdviserCosting) -> str:
        return f"{costing.period_from:%-d %b %Y} to {costing.period_to:%-d %b %Y}"

    @admin.display(description="Claim", ordering="claim")
    def claim_link(self, costing: AdviserCosting) -> str:
        url = reverse("admin:payments_claim_change", args=[costing.claim_id])
        return format_html('<a href="{}">Claim {}</a>', url, costing.claim_id)

    @admin.display(description="Claim status", ordering="claim__state")
    def claim_state(self, costing: AdviserCosting) -> str:
        return costing.claim.get_state_display()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None:
            return form

        # As for logged days: the service is the check and the write, under
        # the bid's row lock, so the add form calls it from clean() and its
        # refusals show by their fields; the add view's transaction rolls
        # the costing back if anything later fails.
        def clean(this):
            cleaned = super(form, this).clean()
            if this.errors:
                return cleaned
            try:
                this._costed = services.adviser_days_cost(
                    application=cleaned["application"],
                    period_from=cleaned["period_from"],
                    period_to=cleaned["period_to"],
                    days=cleaned["days"],
                    invoice_reference=cleaned.get("invoice_reference", ""),
                    note=cleaned.get("note", ""),
                    actor=request.user,
                )
            except ValidationError as error:
                service_errors(this, error)
            return cleaned

        form.clean = clean
        return form

    def save_model(self, request, obj: AdviserCosting, form, change: bool) -> None:
        if change:
            services.adviser_costing_update(
                costing=obj, note=form.cleaned_data.get("note", ""), actor=request.user
            )
            return
        saved = form._costed
        for field in AdviserCosting._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))

    def save_formset(self, request, form, formset, change) -> None:
        # The lines are written by adviser_days_cost, never by the inline
        # (read-only): commit=False writes nothing.
        formset.save(commit=False)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A costing is undone by sending its claim back, which frees its days.
        return False
