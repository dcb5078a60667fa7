"""The officers' workspace for Productivity Experts appointments and case studies.

Every change goes through the services.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from applications.models import Application, ApplicationState
from programmes.access import AuthenticatedRequest, authenticated
from programmes.admin_tools import AuditTrailMixin, SafeChoicesMixin, action_report
from programmes.experts import services
from programmes.experts.models import Appointment, CaseStudy
from programmes.experts.selectors import appointment_councils


class AppointmentForm(forms.ModelForm):
    """Appoint from an approved Experts bid that has no appointment yet."""

    class Meta:
        model = Appointment
        fields = ["application", "starts_on", "ends_on"]
        labels = {"application": "Approved bid"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The view page builds this form with every field read-only, so
        # there is no "application" field to narrow there.
        if "application" in self.fields:
            field = cast(forms.ModelChoiceField, self.fields["application"])
            field.queryset = Application.objects.filter(
                call__strand__key="experts",
                state=ApplicationState.APPROVED,
                appointment__isnull=True,
            ).select_related("lead_council")


@admin.register(Appointment)
class AppointmentAdmin(AuditTrailMixin, admin.ModelAdmin):
    form = AppointmentForm
    list_display = [
        "reference",
        "expertise_field",
        "lead_council",
        "councils_served",
        "starts_on",
        "ends_on",
        "award",
    ]
    list_filter = ["starts_on", ("application__call", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "expertise_field",
        "application__reference",
        "application__title",
        "councils__name",
    ]
    list_select_related = ["application__lead_council"]
    date_hierarchy = "starts_on"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return (
            super()
            .get_queryset(request)
            .annotate(served=Count("councils", distinct=True))
            .prefetch_related("application__shares__council", "councils")
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # An appointment is the record of a decision: view it, never edit it here.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Bid", ordering="application__reference")
    def reference(self, obj: Appointment) -> str:
        return obj.application.reference

    @admin.display(description="Lead council", ordering="application__lead_council__name")
    def lead_council(self, obj: Appointment) -> str:
        return obj.application.lead_council.name

    # The view page lists them too (an appointment is viewed, never changed).
    readonly_fields = ["councils_and_shares"]

    @admin.display(description="Councils served and their shares")
    def councils_and_shares(self, obj: Appointment) -> str:
        return appointment_councils(obj) if obj.pk else "The bid's lead and partner councils"

    @admin.display(description="Councils served and their shares", ordering="served")
    def councils_served(self, obj: Appointment) -> str:
        # Every council, lead and partners, not a count (issue 24).
        return appointment_councils(obj)

    def save_model(self, request: HttpRequest, obj: Appointment, form, change: bool) -> None:
        saved = services.appointment_create(
            application=form.cleaned_data["application"],
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            actor=authenticated(request).user,
        )
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change) -> None:
        # appointment_create has set the councils served.
        return None


@admin.register(CaseStudy)
class CaseStudyAdmin(SafeChoicesMixin, admin.ModelAdmin):
    list_display = ["title", "council", "state", "published_at", "published_by"]
    list_filter = ["state", "council"]
    search_fields = ["title", "summary", "body", "council__name"]
    list_select_related = ["council", "published_by"]
    autocomplete_fields = ["council"]
    prepopulated_fields = {"slug": ["title"]}
    fields = [
        "title",
        "slug",
        "council",
        "appointment",
        "summary",
        "body",
        "state",
        "published_at",
        "published_by",
    ]
    readonly_fields = ["state", "published_at", "published_by"]
    actions = ["publish_selected", "unpublish_selected"]

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "appointment":
            kwargs["queryset"] = Appointment.objects.select_related("application")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: CaseStudy, form, change: bool) -> None:
        data = form.cleaned_data
        obj.pk = services.case_study_save(
            case_study=obj,
            title=data["title"],
            slug=data["slug"],
            council=data["council"],
            appointment=data["appointment"],
            summary=data["summary"],
            body=data["body"],
            actor=authenticated(request).user,
        ).pk

    def delete_model(self, request: HttpRequest, obj: CaseStudy) -> None:
        services.case_study_delete(case_study=obj, actor=authenticated(request).user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CaseStudy]) -> None:
        for study in queryset:
            services.case_study_delete(case_study=study, actor=authenticated(request).user)

    @admin.action(description="Publish the selected case studies on the public page")
    def publish_selected(self, request: AuthenticatedRequest, queryset) -> None:
        action_report(
            self,
            request,
            queryset,
            lambda study: services.case_study_publish(case_study=study, actor=request.user),
            "Published",
        )

    @admin.action(description="Take the selected case studies off the public page")
    def unpublish_selected(self, request: AuthenticatedRequest, queryset) -> None:
        action_report(
            self,
            request,
            queryset,
            lambda study: services.case_study_unpublish(case_study=study, actor=request.user),
            "Back to draft",
        )
