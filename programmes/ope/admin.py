"""The officers' workspace for One Public Estate. Every change goes through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from programmes.access import AuthenticatedRequest, authenticated
from programmes.admin_tools import (
    AuditTrailMixin,
    SafeChoicesMixin,
    ServiceRefusalMixin,
    action_report,
)
from programmes.forms import PoundsField, posted, service_errors
from programmes.ope import services
from programmes.ope.models import Event, Pilot, PlanState, ProjectPlan, ResourceAllocation
from savings.years import validate_financial_year


@admin.register(Pilot)
class PilotAdmin(AuditTrailMixin, SafeChoicesMixin, admin.ModelAdmin):
    list_display = ["council", "wave", "plan_state", "allocated"]
    list_filter = ["wave", "plan__state"]
    search_fields = ["council__name", "council__short_name", "partner_bodies"]
    list_select_related = ["council", "plan"]
    autocomplete_fields = ["council"]
    fields = ["council", "wave", "partner_bodies"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Pilot]:
        # The total allocated, summed in the list's own query.
        return super().get_queryset(request).annotate(total=Sum("allocations__investment__amount"))

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["council"] if obj else []

    @admin.display(description="Plan")
    def plan_state(self, obj: Pilot) -> str:
        plan = getattr(obj, "plan", None)
        return plan.get_state_display() if plan else "No plan yet"

    @admin.display(description="Allocated", ordering="total")
    def allocated(self, obj: Pilot) -> str:
        total = obj.total  # type: ignore[attr-defined]  # get_queryset's annotation
        return f"£{total:,.2f}" if total is not None else "–"

    def save_model(self, request: HttpRequest, obj: Pilot, form, change: bool) -> None:
        saved = services.pilot_save(
            council=obj.council,
            wave=obj.wave,
            partner_bodies=obj.partner_bodies,
            actor=authenticated(request).user,
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CabinetOfficeSignOffForm(forms.Form):
    signatory = forms.CharField(
        label="Who signed off for the Cabinet Office",
        max_length=200,
        help_text="Their name and role",
        error_messages={"required": "Enter who signed off the plan for the Cabinet Office"},
    )
    allocation = PoundsField(
        label="Resource allocated with the sign-off (optional)",
        required=False,
        help_text="In pounds; recorded as Cabinet Office investment in the pilot",
    )


@admin.register(ProjectPlan)
class ProjectPlanAdmin(AuditTrailMixin, ServiceRefusalMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "council",
        "state",
        "submitted_at",
        "lga_signed_off_at",
        "cabinet_office_signed_off_at",
    ]
    list_filter = ["state", "pilot__wave"]
    search_fields = ["title", "pilot__council__name", "pilot__council__short_name"]
    list_select_related = ["pilot__council"]
    actions = ["submit_selected", "lga_sign_off_selected"]
    readonly_fields = [
        "next_step",
        "state",
        "submitted_at",
        "submitted_by",
        "lga_signed_off_at",
        "lga_signed_off_by",
        "cabinet_office_signed_off_at",
        "cabinet_office_signatory",
        "cabinet_office_recorded_by",
    ]
    fields = ["pilot", "title", "summary", *readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["pilot", *self.readonly_fields] if obj else list(self.readonly_fields)

    @admin.display(description="Council", ordering="pilot__council__name")
    def council(self, obj: ProjectPlan) -> str:
        return obj.pilot.council.name

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ProjectPlan, form, change: bool) -> None:
        saved = services.plan_save(
            pilot=obj.pilot, title=obj.title, summary=obj.summary, actor=authenticated(request).user
        )
        obj.pk = saved.pk

    @admin.action(description="Send the selected plans for sign-off")
    def submit_selected(self, request: AuthenticatedRequest, queryset) -> None:
        action_report(
            self,
            request,
            queryset,
            lambda plan: services.plan_submit(plan=plan, actor=request.user),
            "Sent for sign-off",
        )

    @admin.action(description="Record the LGA's sign-off of the selected plans")
    def lga_sign_off_selected(self, request: AuthenticatedRequest, queryset) -> None:
        action_report(
            self,
            request,
            queryset,
            lambda plan: services.plan_lga_sign_off(plan=plan, actor=request.user),
            "Signed off by the LGA",
        )

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/cabinet-office-sign-off/",
                wrap(self.cabinet_office_view),
                name="ope_projectplan_cabinet_office",
            ),
            *super().get_urls(),
        ]

    def cabinet_office_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        plan = get_object_or_404(ProjectPlan.objects.select_related("pilot__council"), pk=pk)
        form = CabinetOfficeSignOffForm(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.plan_cabinet_office_sign_off(
                    plan=plan,
                    actor=request.user,
                    signatory=form.cleaned_data["signatory"],
                    allocation=form.cleaned_data["allocation"],
                )
            except ValidationError as exc:
                service_errors(form, exc)
            else:
                self.message_user(request, f"{plan}: signed off", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:ope_projectplan_change", args=[plan.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Record the Cabinet Office's sign-off",
            "plan": plan,
            "form": form,
        }
        return TemplateResponse(request, "admin/ope/sign_off.html", context)

    @admin.display(description="Next step")
    def next_step(self, obj: ProjectPlan) -> str:
        if obj.pk is None:
            return "Save the plan, then send it for sign-off"
        if obj.lga_signed_off_at is not None and obj.cabinet_office_signed_off_at is None:
            url = reverse("admin:ope_projectplan_cabinet_office", args=[obj.pk])
            return format_html('<a href="{}">Record the Cabinet Office\'s sign-off</a>', url)
        if obj.state == PlanState.DRAFTING:
            return "Waiting for the council: send it with “Send the selected plans for sign-off”"
        if obj.lga_signed_off_at is None:
            return "Waiting for LGA sign-off: use “Record the LGA's sign-off” on the list"
        return "None: the plan is signed off"


class AllocationForm(forms.ModelForm):
    amount = PoundsField(label="Amount", help_text="In pounds")
    financial_year = forms.CharField(
        label="Financial year",
        max_length=7,
        validators=[validate_financial_year],
        help_text="Like 2013/14",
    )

    class Meta:
        model = ResourceAllocation
        fields = ["pilot"]


@admin.register(ResourceAllocation)
class ResourceAllocationAdmin(AuditTrailMixin, admin.ModelAdmin):
    """Allocations are added here (through the savings service) and never edited:
    correct the money on the investment in the savings admin."""

    form = AllocationForm
    list_display = ["pilot", "amount", "financial_year", "allocated_at", "allocated_by"]
    list_filter = ["investment__financial_year", "pilot__wave"]
    search_fields = ["pilot__council__name", "pilot__council__short_name"]
    list_select_related = ["pilot__council", "investment", "allocated_by"]

    @admin.display(description="Amount", ordering="investment__amount")
    def amount(self, obj: ResourceAllocation) -> str:
        return f"£{obj.investment.amount:,.2f}"

    @admin.display(description="Financial year", ordering="investment__financial_year")
    def financial_year(self, obj: ResourceAllocation) -> str:
        return obj.investment.financial_year

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        saved = services.pilot_resource_allocate(
            pilot=form.cleaned_data["pilot"],
            amount=form.cleaned_data["amount"],
            financial_year=form.cleaned_data["financial_year"],
            actor=authenticated(request).user,
        )
        # The admin logs and links the row it was given: make it the saved one.
        obj.pk = saved.pk
        obj.investment = saved.investment
        obj.allocated_at = saved.allocated_at
        obj.allocated_by = saved.allocated_by

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "held_on",
            "month_only",
            "venue",
            "description",
            "councils",
            "other_organisations",
        ]


@admin.register(Event)
class EventAdmin(SafeChoicesMixin, admin.ModelAdmin):
    form = EventForm
    list_display = ["title", "kind", "held_on", "venue", "council_count"]
    list_filter = ["kind"]
    search_fields = ["title", "venue", "other_organisations", "councils__name"]
    filter_horizontal = ["councils"]
    date_hierarchy = "held_on"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        from django.db.models import Count

        return super().get_queryset(request).annotate(council_count=Count("councils"))

    @admin.display(description="Councils attending", ordering="council_count")
    def council_count(self, obj: Event) -> int:
        return obj.council_count  # type: ignore[attr-defined]  # get_queryset's annotation

    def save_model(self, request: HttpRequest, obj: Event, form, change: bool) -> None:
        data = form.cleaned_data
        obj.pk = services.event_save(
            event=obj,
            actor=authenticated(request).user,
            title=data["title"],
            kind=data["kind"],
            held_on=data["held_on"],
            month_only=data["month_only"],
            venue=data["venue"],
            description=data["description"],
            councils=list(data["councils"]),
            other_organisations=data["other_organisations"],
        ).pk

    def delete_model(self, request: HttpRequest, obj: Event) -> None:
        services.event_delete(event=obj, actor=authenticated(request).user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        for event in queryset:
            services.event_delete(event=event, actor=authenticated(request).user)

    def save_related(self, request, form, formsets, change) -> None:
        # The councils were set by event_save; only inline formsets remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
