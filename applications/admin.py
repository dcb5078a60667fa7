"""The officers' workspace for calls and bids. Every change goes through the services."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, update_wrapper

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.helpers import ActionForm
from django.db.models import FloatField, QuerySet, Value
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from applications import admin_views, services, workflow
from applications.forms import AssignForm
from applications.models import (
    Application,
    Call,
    PartnerConfirmation,
    PartnerStatus,
    Review,
    ReviewScore,
    Score,
)
from applications.panel_pack import panel_pack_pdf_response, panel_pack_rows, panel_pack_xlsx
from applications.search import RANKED_AT_MOST, search_is_common
from applications.selectors import (
    QUEUES,
    applications_search,
    assigned_to,
    officers,
    queue_get,
    with_visible_mean,
)
from programmes import audit
from programmes.access import AuthenticatedRequest, authenticated
from programmes.admin_tools import (
    AuditTrailMixin,
    BigListMixin,
    SafeChoicesMixin,
    action_report,
)
from programmes.versions import BOARD, version_bump


@admin.register(Call)
class CallAdmin(SafeChoicesMixin, AuditTrailMixin, admin.ModelAdmin):
    list_display = ["title", "strand", "opens_at", "closes_at", "max_amount", "max_days"]
    list_filter = ["strand"]
    list_select_related = ["strand"]
    search_fields = ["title"]
    filter_horizontal = ["default_assessors"]

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "default_assessors":
            kwargs["queryset"] = officers()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A round moved to another strand moves its bids on the board, whose
        # counts are cached under this version (programmes.versions).
        version_bump(BOARD)

    fieldsets = (
        (None, {"fields": ("strand", "title", "guidance")}),
        ("Dates", {"fields": ("opens_at", "closes_at", "assessment_due")}),
        ("Assessment", {"fields": ("default_assessors",)}),
        (
            "Limits",
            {
                "fields": (
                    "max_amount",
                    "max_days",
                    "day_rate",
                    "second_decision_above",
                    "support_from",
                    "support_until",
                )
            },
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
                    "returns_need_certification",
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


class QueueFilter(admin.SimpleListFilter):
    """The admin home's work queues, each a filter of this list."""

    title = "work queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(queue.key, queue.title) for queue in QUEUES if queue.model is Application]

    def queryset(self, request, queryset):
        queue = queue_get(self.value() or "")
        if queue is None or queue.model is not Application:
            return queryset
        return queryset.filter(queue.condition(request.user, timezone.localdate()))


class AssignedFilter(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "To me (lead or assessor)")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to(request.user))
        return queryset


class PersonalDataFilter(admin.SimpleListFilter):
    """Whether retention has removed the bid's personal data (anonymised_at),
    in words, not the admin's "Empty / Not empty"."""

    title = "personal data"
    parameter_name = "personal_data"

    def lookups(self, request, model_admin):
        return [("removed", "Personal data removed"), ("kept", "Personal data kept")]

    def queryset(self, request, queryset):
        if self.value() == "removed":
            return queryset.filter(anonymised_at__isnull=False)
        if self.value() == "kept":
            return queryset.filter(anonymised_at__isnull=True)
        return queryset


# What the trail of a bid hides from an officer who may not see its scores.
SCORE_MODELS = (Review, ReviewScore, Score)
MODERATION_FIELDS = {
    "recommendation",
    "assessment_notes",
    "moderation_reason",
    "moderated_at",
    "scoring_closed_at",
    "scoring_closed_reason",
}


@admin.register(Application)
class ApplicationAdmin(BigListMixin, AuditTrailMixin, admin.ModelAdmin):
    # Short columns so the list fits 1280 px (docs/bids.md, "The officers' workspace").
    list_display = [
        "reference_short",
        "title_short",
        "council",
        "strand",
        "state_display",
        "requested",
        "sent",
        "score",
    ]
    list_display_links = ["reference_short"]
    # 50 rows a page: a work list read a screen at a time, and half the
    # rendering of 100 (the admin's own cell rendering is most of the page's time).
    list_per_page = 50
    list_filter = [
        QueueFilter,
        AssignedFilter,
        "call__strand",
        "call",
        "state",
        PersonalDataFilter,
    ]
    search_fields = ["reference"]  # shows the box; get_search_results does the searching
    search_help_text = "Words in the title, summary, answers or council's name, or a reference"
    list_select_related = ["call__strand", "lead_council"]
    ordering = ["-submitted_at", "-created_at"]
    action_form = BulkActionForm
    actions = [
        "start_assessment",
        "assign_selected",
        "approve_as_requested",
        "decline_selected",
        "panel_pack_xlsx",
        "panel_pack_pdf",
    ]

    def audit_related(self, obj: Application, request) -> list:
        parts = audit.audited_parts(obj)
        if workflow.scores_visible(obj, request.user):
            return parts
        # Independence: no score, review or moderation in the trail of an
        # officer who may not see the scores yet (applications.workflow).
        return [part for part in parts if not isinstance(part, SCORE_MODELS)]

    def audit_hidden(self, obj: Application, request, entries) -> list[int]:
        if workflow.scores_visible(obj, request.user):
            return []
        return [
            entry.pk
            for entry in entries.filter(object_pk=str(obj.pk)).only("pk", "changes")
            if isinstance(entry.changes_dict, dict)
            and entry.changes_dict
            and set(entry.changes_dict) <= MODERATION_FIELDS
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        # ModelAdmin's, with a placeholder for the rank a search sorts by
        # (get_ordering) before the ordering: applications_search sets it.
        queryset = self.model._default_manager.get_queryset()
        # The mean this officer may see (applications.workflow, independence).
        queryset = with_visible_mean(queryset, authenticated(request).user)
        if self._searching(request):
            queryset = queryset.annotate(search_rank=Value(0.0, output_field=FloatField()))
        return queryset.order_by(*self.get_ordering(request))

    @staticmethod
    def _searching(request: HttpRequest) -> bool:
        return bool(request.GET.get("q", "").strip()) and not request.GET.get("o")

    def get_search_results(self, request, queryset, search_term):
        return applications_search(queryset, search_term), False

    def get_ordering(self, request: HttpRequest):
        # A search lists the best matches first, unless a column is chosen
        # or it matches too many bids to rank a page at a time (newest first).
        if self._searching(request) and not self._common_search(request):
            return ["-search_rank"]
        return super().get_ordering(request)

    def _common_search(self, request: HttpRequest) -> bool:
        """Does this request's search match more bids than are ranked
        (applications.search.search_is_common)? Asked once a request."""
        known = getattr(request, "_bids_search_is_common", None)
        if known is None:
            known = self._searching(request) and search_is_common(
                self.model._default_manager.all(), request.GET.get("q", "")
            )
            setattr(request, "_bids_search_is_common", known)  # noqa: B010 - not a declared attribute
        return known

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if request.method == "GET" and self._searching(request) and self._common_search(request):
            messages.info(
                request,
                f"More than {RANKED_AT_MOST:,} bids match, so they are listed newest first, "
                "not by how well they match. Add words to narrow the search and rank it",
            )
        return super().changelist_view(request, extra_context)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        # Bids are records of decisions: never deleted, least of all in bulk.
        actions.pop("delete_selected", None)
        # Deciding, and the panel pack (for leads and deciders), only for
        # officers who decide awards; each bid is still checked by the service.
        if not workflow.is_decider(request.user):
            for name in ("approve_as_requested", "decline_selected"):
                actions.pop(name, None)
        return actions

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Councils start bids through the council journey.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Reference", ordering="reference")
    def reference_short(self, obj: Application):
        return format_html('<span class="nowrap">{}</span>', obj.reference)

    @admin.display(description="Title", ordering="title")
    def title_short(self, obj: Application) -> str:
        return Truncator(obj.title or "untitled bid").chars(48)

    @admin.display(description="Council", ordering="lead_council__name")
    def council(self, obj: Application) -> str:
        return obj.lead_council.short_name

    @admin.display(description="Strand", ordering="call__strand__display_order")
    def strand(self, obj: Application) -> str:
        return obj.call.strand.spec.short_name

    @admin.display(description="State", ordering="state")
    def state_display(self, obj: Application) -> str:
        return obj.get_state_display()

    @admin.display(description="Asked for")
    def requested(self, obj: Application):
        return format_html('<span class="nowrap">{}</span>', obj.requested_display)

    @admin.display(description="Sent", ordering="submitted_at")
    def sent(self, obj: Application):
        if obj.submitted_at is None:
            return ""
        return format_html(
            '<span class="nowrap">{}</span>', f"{timezone.localtime(obj.submitted_at):%-d %b %Y}"
        )

    @admin.display(description="Mean", ordering="visible_mean")
    def score(self, obj: Application) -> str:
        # The stored mean (the moderated scores' where there are any,
        # services._mean_store), only where this officer may see it.
        mean = getattr(obj, "visible_mean", None)
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

    @admin.action(description="Assign a lead officer and assessors to the selected bids")
    def assign_selected(self, request: AuthenticatedRequest, queryset):
        """An intermediate page: choose the lead and the assessors, then each bid
        goes through `assessors_assign` (assessors added to those already there)."""
        form = AssignForm(request.POST if "apply" in request.POST else None, officers=officers())
        if "apply" in request.POST and form.is_valid():
            self._bulk(
                request,
                queryset,
                lambda a: services.assessors_assign(
                    application=a,
                    actor=request.user,
                    assessors=form.cleaned_data["assessors"],
                    lead_officer=form.cleaned_data["lead_officer"],
                    replace=False,
                ),
                "Assigned",
            )
            return None
        context = {
            **admin_views.admin_context(self, request),
            "title": "Assign a lead officer and assessors",
            "form": form,
            "bids": queryset,
            "action": "assign_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/applications/assign.html", context)

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

    def _pack_bids(self, request: AuthenticatedRequest, queryset):
        """The selected bids whose scores this officer may see (leads and
        deciders once scoring is complete); the others are left out, and said so."""
        pks = [
            bid.pk
            for bid in queryset.select_related("call").prefetch_related("reviews")
            if workflow.scores_visible(bid, request.user)
        ]
        left_out = queryset.count() - len(pks)
        if left_out:
            self.message_user(
                request,
                f"{left_out} of the selected bids left out of the panel pack: their scores are "
                "for the lead officer and deciders, once every assessor has scored",
                messages.WARNING,
            )
        return queryset.filter(pk__in=pks)

    @admin.action(description="Panel pack: download the selected bids as a spreadsheet")
    def panel_pack_xlsx(self, request: AuthenticatedRequest, queryset):
        queryset = self._pack_bids(request, queryset)
        if not queryset.exists():
            return None
        rows = panel_pack_rows(queryset)
        response = HttpResponse(
            panel_pack_xlsx(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="panel-pack.xlsx"'
        return response

    @admin.action(description="Panel pack: a PDF with a page per selected bid")
    def panel_pack_pdf(self, request: AuthenticatedRequest, queryset):
        queryset = self._pack_bids(request, queryset)
        if not queryset.exists():
            return None
        return panel_pack_pdf_response(request, list(queryset.values_list("pk", flat=True)))

    # The officer workflow's pages: views in applications.admin_views, each given
    # this admin (its permissions, the site's context, its messages).

    def get_urls(self) -> list:
        def route(url: str, view: Callable[..., HttpResponseBase], name: str) -> URLPattern:
            bound = update_wrapper(partial(view, model_admin=self), view)
            return path(url, self.admin_site.admin_view(bound), name=name)

        return [
            route("<int:pk>/start/", admin_views.start, "applications_start"),
            route(
                "<int:pk>/request-information/",
                admin_views.request_information,
                "applications_information",
            ),
            route("<int:pk>/approve/", admin_views.approve, "applications_approve"),
            route(
                "<int:pk>/second-decision/",
                admin_views.second_decision,
                "applications_second_decision",
            ),
            route(
                "<int:pk>/close-scoring/", admin_views.close_scoring, "applications_close_scoring"
            ),
            route("<int:pk>/decline/", admin_views.decline, "applications_decline"),
            route("<int:pk>/assign/", admin_views.assign, "applications_assign"),
            route("<int:pk>/declare/", admin_views.declare, "applications_declare"),
            route("<int:pk>/score/", admin_views.score, "applications_score"),
            route("<int:pk>/answer-read/", admin_views.answer_read, "applications_answer_read"),
            route("panel-pack/", admin_views.panel_pack_download, "applications_panel_pack"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        # The change page is the assessment page, whose own form is the lead's moderation.
        return admin_views.moderate(authenticated(request), object_id, model_admin=self)


class PartnerLetterAdminForm(forms.ModelForm):
    """Only the officer's reason for recording a letter is typed; the
    service (partner_confirm_by_letter) writes the rest."""

    class Meta:
        model = PartnerConfirmation
        fields = ["letter_reason"]
        labels = {"letter_reason": "Record a confirmation given by letter: the letter, and why"}
        help_texts = {
            "letter_reason": (
                "For example: letter from the chief executive dated 3 March. "
                "Saving records the council as confirmed"
            )
        }

    def clean_letter_reason(self) -> str:
        reason = (self.cleaned_data.get("letter_reason") or "").strip()
        if not reason:
            raise forms.ValidationError(
                "Enter the letter the council confirmed in, and why you record it"
            )
        if len(reason) > 1000:
            raise forms.ValidationError("The reason must be 1,000 characters or fewer")
        return reason


@admin.register(PartnerConfirmation)
class PartnerConfirmationAdmin(AuditTrailMixin, admin.ModelAdmin):
    """Partner councils' answers to bids (docs/bids.md, "Partner councils").
    Councils answer on the portal; an officer records here a confirmation
    given by letter, with the reason, through partner_confirm_by_letter.
    Nothing is added or deleted here: the lead council names its partners."""

    list_display = ["application", "council", "status", "answered_at", "by_letter"]
    list_filter = ["status", "by_letter"]
    list_select_related = ["application", "council"]
    search_fields = ["application__reference", "council__name"]
    ordering = ["-named_at", "pk"]
    form = PartnerLetterAdminForm
    readonly_fields = [
        "application",
        "council",
        "status",
        "named_at",
        "answered_by",
        "answered_at",
        "reason",
        "by_letter",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is not None and obj.status != PartnerStatus.PENDING:
            return [*self.readonly_fields, "letter_reason"]
        return self.readonly_fields

    def save_model(self, request, obj: PartnerConfirmation, form, change: bool) -> None:
        if "letter_reason" not in form.changed_data:
            return
        confirmation = services.partner_confirm_by_letter(
            confirmation=obj,
            actor=authenticated(request).user,
            reason=form.cleaned_data["letter_reason"],
        )
        obj.refresh_from_db()
        messages.info(request, f"{confirmation.council} recorded as confirmed, by letter")


# The Awards page (councils' shares) registers itself on import.
from applications import admin_awards  # noqa: E402, F401
