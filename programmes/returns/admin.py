"""Officers' review of savings returns: the returns list with its queues, a
page per return (verify all or chosen lines, send back, extend, waive), and
the reminders sent. Every write is a service (programmes.returns.services)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone

from programmes.access import authenticated
from programmes.admin_tools import AuditTrailMixin, ReadOnlyAdmin
from programmes.forms import posted, service_errors
from programmes.returns import selectors, services
from programmes.returns.models import ReturnReminder, ReturnState, SavingsReturn
from savings.selectors import award_for_application


class ReturnQueueFilter(admin.SimpleListFilter):
    """The officers' two queues, each with its count."""

    title = "queue"
    parameter_name = "queue"

    def _queues(self) -> dict[str, tuple[str, Q]]:
        return {
            "awaiting": ("Awaiting verification", selectors.AWAITING_VERIFICATION),
            "overdue": ("Overdue", selectors.returns_as_at().overdue),
            # Still at the council, with its finance officer: not received.
            "certifying": (
                "At the council, awaiting certification",
                selectors.AWAITING_CERTIFICATION,
            ),
        }

    def lookups(self, request, model_admin):
        queues = self._queues()
        counts = SavingsReturn.objects.aggregate(
            **{key: Count("pk", filter=condition) for key, (_label, condition) in queues.items()}
        )
        return [(key, f"{label} ({counts[key]:,})") for key, (label, _c) in queues.items()]

    def queryset(self, request, queryset):
        queue = self._queues().get(self.value() or "")
        return queryset.filter(queue[1]) if queue else queryset


class ReturnDecisionForm(forms.Form):
    reason = forms.CharField(
        label="Reason the council sees (needed to send back)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class ReturnDueForm(forms.Form):
    until = forms.DateField(
        label="New due date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_reason = forms.CharField(
        label="Reason (to extend the due date or waive the return)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


@dataclass(frozen=True)
class ReviewAction:
    """One button of the return review: the service it calls with the
    officer's answers, the message when it is done, and which form holds
    its fields (for the refusal's messages)."""

    run: Callable[[Any, SavingsReturn, dict[str, Any], list, list[str]], object]
    done: str
    on_due_form: bool = False


def _verify_chosen(actor, savings_return, answers, lines, chosen) -> object:
    picked = [line for line in lines if str(line.pk) in set(chosen)]
    return services.return_verify(
        actor=actor, savings_return=savings_return, lines=picked, reason=answers["reason"]
    )


REVIEW_ACTIONS: dict[str, ReviewAction] = {
    "verify_all": ReviewAction(
        lambda actor, ret, answers, lines, chosen: services.return_verify(
            actor=actor, savings_return=ret
        ),
        " verified.",
    ),
    "verify_chosen": ReviewAction(_verify_chosen, ": the chosen lines are verified."),
    "send_back": ReviewAction(
        lambda actor, ret, answers, lines, chosen: services.return_send_back(
            actor=actor, savings_return=ret, reason=answers["reason"]
        ),
        " sent back to the council.",
    ),
    "extend": ReviewAction(
        lambda actor, ret, answers, lines, chosen: services.return_extend(
            actor=actor, savings_return=ret, until=answers["until"], reason=answers["due_reason"]
        ),
        ": due date extended.",
        on_due_form=True,
    ),
    "waive": ReviewAction(
        lambda actor, ret, answers, lines, chosen: services.return_waive(
            actor=actor, savings_return=ret, reason=answers["due_reason"]
        ),
        " waived.",
        on_due_form=True,
    ),
}


def _by_on(person, when) -> str:
    """Who and when, for the returns list: "-" when it has not happened."""
    if when is None:
        return "-"
    name = person.display_name if person is not None else "the portal"
    return f"{name}, {timezone.localtime(when):%-d %b %Y}"


@admin.register(SavingsReturn)
class SavingsReturnAdmin(AuditTrailMixin, admin.ModelAdmin):
    """A page per return (replacing the change form): its lines, evidence and
    documents, the award and its earlier returns; Verify all, verify chosen
    lines, Send back; extend the due date or waive. Every write is a service."""

    list_display = [
        "reference",
        "council_name",
        "strand",
        "period_start",
        "due",
        "state",
        "prepared",
        "certified",
    ]
    list_filter = [ReturnQueueFilter, "state", "application__call__strand"]
    list_select_related = [
        "council",
        "application__call__strand",
        "prepared_by",
        "certified_by",
    ]
    search_fields = ["reference", "application__reference", "council__name"]
    date_hierarchy = "period_start"

    @admin.display(description="Council", ordering="council__name")
    def council_name(self, savings_return: SavingsReturn) -> str:
        return savings_return.council.name

    @admin.display(description="Strand")
    def strand(self, savings_return: SavingsReturn) -> str:
        return savings_return.application.call.strand.name

    @admin.display(description="Prepared by", ordering="prepared_at")
    def prepared(self, savings_return: SavingsReturn) -> str:
        return _by_on(savings_return.prepared_by, savings_return.prepared_at)

    @admin.display(description="Certified by", ordering="certified_at")
    def certified(self, savings_return: SavingsReturn) -> str:
        return _by_on(savings_return.certified_by, savings_return.certified_at)

    def get_queryset(self, request: HttpRequest):
        # Each row's `is_late`: overdue as at today, as everywhere (selectors.returns_as_at).
        return selectors.returns_with_status(super().get_queryset(request))

    @admin.display(description="Due", ordering="due_on")
    def due(self, savings_return: SavingsReturn) -> str:
        # `is_late`: annotated by get_queryset (selectors.returns_with_status).
        late = " (overdue)" if getattr(savings_return, "is_late", False) else ""
        return f"{savings_return.due_date:%-d %b %Y}{late}"

    # Returns come from the calls' schedules, and are records: never added
    # or deleted by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The review page (change_view) writes through the services; Django's
        # change form, which would save the row as it stands, is never shown.
        raise PermissionDenied("A savings return changes only through its review page")

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        found = self.get_object(request, unquote(object_id))
        if found is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        savings_return = (
            selectors.returns_with_status(SavingsReturn.objects.filter(pk=found.pk))
            .select_related(
                "application__call__strand",
                "application__lead_council",
                "council",
                "submitted_by",
                "prepared_by",
                "certified_by",
            )
            .get()
        )
        can_change = self.has_change_permission(request, savings_return)
        data = posted(request) if can_change else None
        decision = ReturnDecisionForm(data, prefix="decision")
        due_form = ReturnDueForm(data, prefix="due")
        lines = selectors.return_lines(savings_return=savings_return)
        if data is not None and decision.is_valid() and due_form.is_valid():
            done = self._act(
                authenticated(request), savings_return, data, decision, due_form, lines
            )
            if done:
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Savings return {savings_return.reference}",
            "savings_return": savings_return,
            "lines": lines,
            "award": award_for_application(application_id=savings_return.application_id),
            "earlier": [
                other
                for other in selectors.returns_for_application(
                    application_id=savings_return.application_id,
                    council_id=savings_return.council_id,
                )
                if other.period_start < savings_return.period_start
            ],
            "reminders": savings_return.reminders.all(),
            "decision": decision,
            "due_form": due_form,
            "can_change": can_change,
            "States": ReturnState,
        }
        return TemplateResponse(request, "admin/savings/return_review.html", context)

    def _act(self, request, savings_return, data, decision, due_form, lines) -> str | None:
        """Run the chosen action (REVIEW_ACTIONS); its refusal goes beside the
        form. Returns the message to show, or None when refused."""
        action = REVIEW_ACTIONS.get(data.get("action", ""))
        if action is None:
            decision.add_error(None, "Choose an action")
            return None
        form = due_form if action.on_due_form else decision
        answers = {**decision.cleaned_data, **due_form.cleaned_data}
        try:
            action.run(request.user, savings_return, answers, lines, data.getlist("line"))
        except ValidationError as error:
            # Each message beside its field: the due date's form for extend
            # and waive, the decision's for the others.
            renamed = {"reason": "due_reason"} if action.on_due_form else {}
            service_errors(form, error, fields=renamed)
            return None
        return f"{savings_return.reference}{action.done}"


@admin.register(ReturnReminder)
class ReturnReminderAdmin(ReadOnlyAdmin):
    list_display = ["savings_return", "stage", "sent_at", "recipients"]
    list_filter = ["stage"]
    list_select_related = ["savings_return"]
    search_fields = ["savings_return__reference"]
