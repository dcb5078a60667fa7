"""The officers' workspace for calls and bids. Every change goes through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import FloatField, QuerySet, Value, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from applications import emails, services
from applications.forms import (
    ApproveForm,
    AssignForm,
    ConflictForm,
    DeclineForm,
    InformationRequestForm,
    ModerationForm,
    ReviewForm,
)
from applications.models import Application, ApplicationState, Call, Notice, Review
from applications.panel_pack import (
    panel_pack_pdf_download,
    panel_pack_pdf_response,
    panel_pack_pdf_state,
    panel_pack_rows,
    panel_pack_xlsx,
)
from applications.sections import answers_by_section
from applications.selectors import (
    QUEUES,
    application_get_for_user,
    applications_search,
    assessment_view,
    assigned_to,
    officers,
    queue_get,
)
from programmes import audit
from programmes.access import AuthenticatedRequest, authenticated
from programmes.admin_tools import (
    AuditTrailMixin,
    BigListMixin,
    ReadOnlyAdmin,
    SafeChoicesMixin,
    action_report,
)
from programmes.forms import posted


def _review_initial(review: Review) -> dict:
    initial = {"recommendation": review.recommendation, "notes": review.notes}
    for score in review.scores.all():
        initial[f"score_{score.criterion}"] = "na" if score.score is None else str(score.score)
        initial[f"note_{score.criterion}"] = score.note
    return initial


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

    fieldsets = (
        (None, {"fields": ("strand", "title", "guidance")}),
        ("Dates", {"fields": ("opens_at", "closes_at", "assessment_due")}),
        ("Assessment", {"fields": ("default_assessors",)}),
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
        ("anonymised_at", admin.EmptyFieldListFilter),
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

    def audit_related(self, obj: Application) -> list:
        return audit.audited_parts(obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        # ModelAdmin's, with a placeholder for the rank a search sorts by
        # (get_ordering) before the ordering: applications_search sets it.
        queryset = self.model._default_manager.get_queryset()
        if self._searching(request):
            queryset = queryset.annotate(search_rank=Value(0.0, output_field=FloatField()))
        return queryset.order_by(*self.get_ordering(request))

    @staticmethod
    def _searching(request: HttpRequest) -> bool:
        return bool(request.GET.get("q", "").strip()) and not request.GET.get("o")

    def get_search_results(self, request, queryset, search_term):
        return applications_search(queryset, search_term), False

    def get_ordering(self, request: HttpRequest):
        # A search lists the best matches first, unless a column is chosen.
        if self._searching(request):
            return ["-search_rank"]
        return super().get_ordering(request)

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

    @admin.display(description="Mean", ordering="mean_score")
    def score(self, obj: Application) -> str:
        # The stored mean: the moderated scores' where there are any (services._mean_store).
        return "" if obj.mean_score is None else f"{obj.mean_score:.1f}"

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
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
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

    @admin.action(description="Panel pack: download the selected bids as a spreadsheet")
    def panel_pack_xlsx(self, request: HttpRequest, queryset) -> HttpResponse:
        rows = panel_pack_rows(queryset)
        response = HttpResponse(
            panel_pack_xlsx(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="panel-pack.xlsx"'
        return response

    @admin.action(description="Panel pack: a PDF with a page per selected bid")
    def panel_pack_pdf(self, request: AuthenticatedRequest, queryset):
        return panel_pack_pdf_response(request, list(queryset.values_list("pk", flat=True)))

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
            path("<int:pk>/assign/", wrap(self.assign_view), name="applications_assign"),
            path("<int:pk>/declare/", wrap(self.declare_view), name="applications_declare"),
            path("<int:pk>/score/", wrap(self.score_view), name="applications_score"),
            path(
                "<int:pk>/answer-read/",
                wrap(self.answer_read_view),
                name="applications_answer_read",
            ),
            path(
                "panel-pack/",
                wrap(self.panel_pack_download_view),
                name="applications_panel_pack",
            ),
            *super().get_urls(),
        ]

    def _application(self, request: AuthenticatedRequest, pk: int) -> Application:
        if not self.has_change_permission(request):
            raise PermissionDenied
        application = application_get_for_user(user=request.user, pk=pk, details=True)
        # The moderated scores, read once for the page and its form; the
        # strand detail's own rows (Experts' projections) once for its forms.
        prefetch_related_objects([application], "scores")
        detail = application.strand_detail()
        if detail is not None:
            prefetch_related_objects(
                [detail],
                *(
                    str(relation.get_accessor_name())
                    for relation in detail._meta.related_objects
                    if relation.one_to_many
                ),
            )
        return application

    def _change_url(self, application: Application) -> str:
        return reverse("admin:applications_application_change", args=[application.pk])

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        if not self.has_change_permission(request):
            raise PermissionDenied
        # The id comes straight from the URL ("abc", "1.5", a missing bid):
        # anything that is not a bid gets the admin's usual redirect with a message.
        try:
            application = self._application(authenticated(request), int(unquote(object_id)))
        except (ValueError, Http404):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = self._moderation_form(application, posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.assessment_save(
                    application=application,
                    actor=authenticated(request).user,
                    scores=form.scores(),
                    recommendation=form.cleaned_data["recommendation"],
                    notes=form.cleaned_data["notes"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied as denied:
                form.add_error(None, str(denied))
            else:
                self.message_user(request, "Moderated scores saved", messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(application))
        return self._assessment_page(request, application, moderation_form=form)

    def _assessment_page(
        self,
        request: HttpRequest,
        application: Application,
        *,
        moderation_form=None,
        assign_form=None,
        conflict_form=None,
        review_form=None,
    ) -> TemplateResponse:
        """The bid's answers and documents beside the scoring, the timeline below."""
        user = authenticated(request).user
        spec = application.call.strand.spec
        view = assessment_view(application=application, user=user)
        mine = view.mine
        if review_form is None and mine is not None and not mine.submitted_at:
            review_form = ReviewForm(
                initial=_review_initial(mine), criteria=spec.assessment_criteria
            )
        match = request.resolver_match
        if assign_form is None and match is not None and match.url_name == "applications_assign":
            assign_form = AssignForm(
                initial={
                    "lead_officer": application.lead_officer_id,
                    "assessors": [review.assessor_id for review in view.reviews],
                },
                officers=officers(),
            )
        if moderation_form is None:
            moderation_form = self._moderation_form(application, None)
        answers = [(section.title, rows) for section, rows in answers_by_section(application)]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Assess {application.reference}",
            "application": application,
            "form": moderation_form,
            "assign_form": assign_form,
            "conflict_form": conflict_form or ConflictForm(),
            "review_form": review_form,
            "view": view,
            "mine": mine,
            "is_lead": application.lead_officer_id in (None, user.pk),
            "answers": answers,
            "events": application.events.all(),
            "criteria_labels": dict(spec.assessment_criteria),
            "States": ApplicationState,
            "assessing": application.state in services.ASSESSING,
        }
        return TemplateResponse(request, "admin/applications/assess.html", context)

    def _moderation_form(self, application: Application, data) -> ModerationForm:
        spec = application.call.strand.spec
        initial = {
            "recommendation": application.recommendation,
            "notes": application.assessment_notes,
            "reason": application.moderation_reason,
        }
        for score in application.scores.all():
            initial[f"score_{score.criterion}"] = "na" if score.score is None else str(score.score)
        return ModerationForm(data, initial=initial, criteria=spec.assessment_criteria)

    def assign_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        # Each form's own URL shows the assessment page on a GET; it acts on a POST.
        application = self._application(request, pk)
        if request.method != "POST":
            return self._assessment_page(request, application)
        form = AssignForm(request.POST, officers=officers())
        if form.is_valid():
            try:
                services.assessors_assign(
                    application=application,
                    actor=request.user,
                    assessors=form.cleaned_data["assessors"],
                    lead_officer=form.cleaned_data["lead_officer"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, "Assessors assigned", messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(application))
        return self._assessment_page(request, application, assign_form=form)

    def _my_review(self, request: AuthenticatedRequest, application: Application) -> Review:
        review = application.reviews.filter(assessor=request.user).first()
        if review is None:
            raise PermissionDenied("You are not assigned to assess this bid")
        if review.conflicted:
            raise PermissionDenied(
                "You have declared a conflict of interest: you cannot score this bid"
            )
        return review

    def declare_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        application = self._application(request, pk)
        if request.method != "POST":
            return self._assessment_page(request, application)
        review = self._my_review(request, application)
        form = ConflictForm(request.POST)
        if form.is_valid():
            try:
                services.conflict_declare(
                    review=review,
                    actor=request.user,
                    conflict=form.cleaned_data["conflict"],
                    note=form.cleaned_data["conflict_note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, "Declaration recorded", messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(application))
        # Said at the top too: the form's own errors sit halfway down a long
        # page, which seemed to come back unchanged (issue 27).
        problems = [str(error) for errors in form.errors.values() for error in errors]
        self.message_user(
            request, f"Your declaration was not recorded: {'; '.join(problems)}", messages.ERROR
        )
        return self._assessment_page(request, application, conflict_form=form)

    def score_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        """The assessor's own scoring (also on the assessment page, which posts here)."""
        application = self._application(request, pk)
        mine = application.reviews.filter(assessor=request.user).first()
        if request.method != "POST" and (mine is None or not mine.conflicted):
            return self._assessment_page(request, application)
        review = self._my_review(request, application)
        criteria = application.call.strand.spec.assessment_criteria
        form = ReviewForm(request.POST, criteria=criteria)
        if form.is_valid():
            submit = "_submit" in request.POST
            try:
                services.review_save(
                    review=review,
                    actor=request.user,
                    scores=form.scores(),
                    score_notes=form.score_notes(),
                    recommendation=form.cleaned_data["recommendation"],
                    notes=form.cleaned_data["notes"],
                    submit=submit,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    "Your scores are submitted" if submit else "Your scores are saved (not sent)",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._change_url(application))
        return self._assessment_page(request, application, review_form=form)

    def answer_read_view(self, request: AuthenticatedRequest, pk: int) -> HttpResponse:
        application = self._application(request, pk)
        if request.method != "POST":
            return self._assessment_page(request, application)
        services.information_answer_read(application=application, actor=request.user)
        self.message_user(request, "Answer marked as read", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(application))

    def panel_pack_download_view(self, request: AuthenticatedRequest):
        """A panel pack's PDF (?name=, from the action) once printed; until then
        a page that says it is being printed and reloads itself."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        name = request.GET.get("name", "")
        state = panel_pack_pdf_state(name) if name else "none"
        if state == "ready":
            return panel_pack_pdf_download(name)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Panel pack",
            "state": state,
        }
        response = TemplateResponse(request, "admin/applications/panel_pack_status.html", context)
        if state == "preparing":
            response["Refresh"] = "5"
        return response

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
