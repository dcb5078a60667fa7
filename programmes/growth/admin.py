"""Officers' workspace for the Growth Advisers panel.

Every write goes through `programmes.growth.services`: the rules on days
(never above the award, only inside the support window) hold here too.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest

from programmes import audit
from programmes.admin_tools import AuditTrailMixin, SafeChoicesMixin, form_data
from programmes.growth import services
from programmes.growth.models import SUPPORT_AREAS, Adviser, AdviserDay, AdviserMatch
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
                if hasattr(error, "error_dict"):
                    for field, messages in error.message_dict.items():
                        this.add_error(field if field in this.fields else None, messages)
                else:
                    this.add_error(None, error.messages)
            return cleaned

        form.clean = clean
        return form

    def save_model(self, request, obj: AdviserDay, form, change: bool) -> None:
        obj.pk = form._logged.pk

    def delete_model(self, request, obj: AdviserDay) -> None:
        services.adviser_day_delete(actor=request.user, day=obj)

    def delete_queryset(self, request, queryset: QuerySet[AdviserDay]) -> None:
        for day in queryset:
            services.adviser_day_delete(actor=request.user, day=day)
