"""The officers' workspace for calls and bids. Every change goes through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from applications import emails, services
from applications.forms import (
    ApproveForm,
    AssessmentForm,
    DeclineForm,
    InformationRequestForm,
)
from applications.models import Application, ApplicationState, Call, Notice, mean_score
from applications.sections import answers_by_section
from applications.selectors import application_get_for_user, applications_with_scores
from programmes import audit
from programmes.access import AuthenticatedRequest, authenticated
from programmes.admin_tools import AuditTrailMixin, ReadOnlyAdmin, action_report
from programmes.forms import posted


@admin.register(Call)
class CallAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ["title", "strand", "opens_at", "closes_at", "max_amount", "max_days"]
    list_filter = ["strand"]
    list_select_related = ["strand"]
    search_fields = ["title"]
    fieldsets = (
        (None, {"fields": ("strand", "title", "guidance")}),
        ("Dates", {"fields": ("opens_at", "closes_at", "assessment_due")}),
        (
            "Limits",
            {"fields": ("max_amount", "max_days", "day_rate", "support_from", "support_until")},
        ),
        (
            "Savings returns",
            {
                "fields": (
                    "return_frequency",
                    "returns_from",
                    "return_years",
                    "return_due_days",
                    "reminder_days_before",
                    "overdue_days_after",
                    "return_line_limit",
                    "projection_years_ahead",
                )
            },
        ),
    )


class BulkActionForm(ActionForm):
    note = forms.CharField(
        required=False,
        label="Reasons (for decline)",
        widget=forms.TextInput(attrs={"size": 50}),
    )


@admin.register(Application)
class ApplicationAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "title",
        "lead_council",
        "strand",
        "state_display",
        "requested",
        "submitted_at",
        "score",
    ]
    list_filter = [
        "call__strand",
        "call",
        "state",
        "lead_council",
        ("anonymised_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["reference", "title", "lead_council__name", "lead_council__short_name"]
    list_select_related = ["call__strand", "lead_council"]
    ordering = ["-submitted_at", "-created_at"]
    action_form = BulkActionForm
    actions = ["start_assessment", "approve_as_requested", "decline_selected"]

    def audit_related(self, obj: Application) -> list:
        return audit.audited_parts(obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return applications_with_scores(super().get_queryset(request))

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        # Bids are records of decisions: never deleted, least of all in bulk.
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Councils start bids through the council journey.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Strand", ordering="call__strand__display_order")
    def strand(self, obj: Application) -> str:
        return obj.call.strand.spec.short_name

    @admin.display(description="State", ordering="state")
    def state_display(self, obj: Application) -> str:
        return obj.get_state_display()

    @admin.display(description="Asked for")
    def requested(self, obj: Application) -> str:
        return obj.requested_display

    @admin.display(description="Mean score", ordering="mean_score")
    def score(self, obj: Application) -> str:
        mean = obj.mean_score  # type: ignore[attr-defined]  # get_queryset's annotation
        return "" if mean is None else f"{mean:.1f}"

    # Bulk actions: each bid goes through the same service as the single ones.

    def _bulk(self, request: HttpRequest, queryset, action, done: str) -> None:
        action_report(self, request, queryset, action, done, label=lambda bid: bid.reference)

    @admin.action(description="Start assessing the selected bids")
    def start_assessment(self, request: AuthenticatedRequest, queryset) -> None:
        self._bulk(
            request,
            queryset,
            lambda a: services.application_assessment_start(application=a, actor=request.user),
            "Assessment started",
        )

    @admin.action(description="Approve the selected bids with the award they asked for")
    def approve_as_requested(self, request: AuthenticatedRequest, queryset) -> None:
        self._bulk(
            request,
            queryset,
            lambda a: services.application_approve(
                application=a,
                actor=request.user,
                award_amount=None if a.call.awards_days else a.amount_requested,
                award_days=a.days_requested if a.call.awards_days else None,
            ),
            "Approved",
        )

    @admin.action(description="Decline the selected bids (give the reasons above)")
    def decline_selected(self, request: AuthenticatedRequest, queryset) -> None:
        reasons = request.POST.get("note", "")
        self._bulk(
            request,
            queryset,
            lambda a: services.application_decline(
                application=a, actor=request.user, reasons=reasons
            ),
            "Declined",
        )

    # The assessment page (replaces the change form) and the decision pages.

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/start/", wrap(self.start_view), name="applications_start"),
            path(
                "<int:pk>/request-information/",
                wrap(self.information_view),
                name="applications_information",
            ),
            path("<int:pk>/approve/", wrap(self.approve_view), name="applications_approve"),
            path("<int:pk>/decline/", wrap(self.decline_view), name="applications_decline"),
            *super().get_urls(),
        ]

    def _application(self, request: AuthenticatedRequest, pk: int) -> Application:
        if not self.has_change_permission(request):
            raise PermissionDenied
        reference = get_object_or_404(Application, pk=pk).reference
        return application_get_for_user(user=request.user, reference=reference)

    def _change_url(self, application: Application) -> str:
        return reverse("admin:applications_application_change", args=[application.pk])

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        if not self.has_change_permission(request):
            raise PermissionDenied
        # The id comes straight from the URL ("abc", "1.5", a missing bid):
        # get_object turns anything that is not a bid into None, and the
        # admin's usual answer to that is a redirect with a message.
        found = self.get_object(request, unquote(object_id))
        if found is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        application = self._application(authenticated(request), found.pk)
        spec = application.call.strand.spec
        scores = {score.criterion: score.score for score in application.scores.all()}
        initial = {
            "recommendation": application.recommendation,
            "notes": application.assessment_notes,
        }
        for key, _ in spec.assessment_criteria:
            if key in scores:
                initial[f"score_{key}"] = "na" if scores[key] is None else str(scores[key])
        form = AssessmentForm(posted(request), initial=initial, criteria=spec.assessment_criteria)
        if request.method == "POST" and form.is_valid():
            try:
                services.assessment_save(
                    application=application,
                    actor=authenticated(request).user,
                    scores=form.scores(),
                    recommendation=form.cleaned_data["recommendation"],
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, "Assessment saved", messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(application))
        answers = [(section.title, rows) for section, rows in answers_by_section(application)]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Assess {application.reference}",
            "application": application,
            "form": form,
            "answers": answers,
            "events": application.events.all(),
            "mean": mean_score(list(scores.values())),
            "criteria_labels": dict(spec.assessment_criteria),
            "States": ApplicationState,
        }
        return TemplateResponse(request, "admin/applications/assess.html", context)

    def _decision_view(
        self,
        request: AuthenticatedRequest,
        pk: int,
        form_class,
        title: str,
        act,
        done: str,
        **form_kw,
    ) -> HttpResponse:
        application = self._application(request, pk)
        kwargs = {"call": application.call} if form_class is ApproveForm else {}
        form = form_class(posted(request), **kwargs) if form_class else None
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                act(application, form.cleaned_data if form else {})
            except ValidationError as exc:
                if form is None:
                    self.message_user(request, " ".join(exc.messages), messages.ERROR)
                    return HttpResponseRedirect(self._change_url(application))
                form.add_error(None, exc)
            else:
                self.message_user(request, f"{application.reference}: {done}", messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(application))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{title}: {application.reference}",
            "application": application,
            "form": form,
        }
        return TemplateResponse(request, "admin/applications/decision.html", context)

    def start_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        return self._decision_view(
            request,
            pk,
            None,
            "Start assessment",
            lambda a, data: services.application_assessment_start(
                application=a, actor=request.user
            ),
            "assessment started",
        )

    def information_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        return self._decision_view(
            request,
            pk,
            InformationRequestForm,
            "Request more information",
            lambda a, data: services.application_information_request(
                application=a,
                actor=request.user,
                message=data["message"],
                respond_by=data.get("respond_by"),
            ),
            "more information requested",
        )

    def approve_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        return self._decision_view(
            request,
            pk,
            ApproveForm,
            "Approve with an award",
            lambda a, data: services.application_approve(
                application=a,
                actor=request.user,
                award_amount=data.get("award_amount"),
                award_days=data.get("award_days"),
                note=data.get("note", ""),
            ),
            "approved",
        )

    def decline_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        return self._decision_view(
            request,
            pk,
            DeclineForm,
            "Decline",
            lambda a, data: services.application_decline(
                application=a, actor=request.user, reasons=data["reasons"]
            ),
            "declined",
        )


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """Every email notice and what became of it; failed ones can be sent again."""

    list_display = ["created_at", "subject", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "audience"]
    search_fields = ["recipient", "subject", "application__reference"]
    list_select_related = ["application"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    fields = [
        "application",
        "audience",
        "recipient",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]

    @admin.action(description="Send the selected failed notices again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notice]) -> None:
        count = emails.notices_resend(notice_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"{count:,} failed notice{'' if count == 1 else 's'} queued to send again"
            if count
            else "None of the selected notices had failed: nothing to send again",
            messages.SUCCESS if count else messages.WARNING,
        )
