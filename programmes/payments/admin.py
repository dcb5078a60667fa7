"""Officers' money out in the admin (docs/money.md): budgets with their
changes, the finance codes per strand and claim limits per call, awards'
commitments (reduce, withdraw), and claims (approve, send back, record the
payment; export those waiting for payment). Every write is a service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from programmes.access import authenticated
from programmes.admin_tools import AuditTrailMixin, ReadOnlyAdmin, ReadOnlyInline
from programmes.forms import posted, service_errors
from programmes.payments import exports, selectors, services
from programmes.payments.forms import ClaimDecisionForm, CommitmentChangeForm, PaymentForm
from programmes.payments.models import (
    RECORD_PAYMENTS,
    Budget,
    BudgetChange,
    CallClaimRule,
    Claim,
    ClaimState,
    Commitment,
    MoneyRollup,
    StrandLedger,
)


class BudgetForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="Reason for setting or changing the budget",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        error_messages={"required": "Give the reason for setting or changing the budget"},
    )

    class Meta:
        model = Budget
        fields = ["strand", "financial_year", "funder", "amount"]


class BudgetChangeInline(ReadOnlyInline):
    model = BudgetChange
    fields = ["changed_at", "amount_before", "amount_after", "reason", "changed_by"]


@admin.register(Budget)
class BudgetAdmin(AuditTrailMixin, admin.ModelAdmin):
    form = BudgetForm
    list_display = ["strand", "financial_year", "funder", "amount", "updated_at"]
    list_filter = ["financial_year", "funder", "strand"]
    list_select_related = ["strand"]
    inlines = [BudgetChangeInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        # A budget's place is fixed once set: a different strand, year or
        # funder is another budget.
        return ["strand", "financial_year", "funder"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Budget, form: Any, change: bool) -> None:
        saved = services.budget_set(
            strand=obj.strand,
            financial_year=obj.financial_year,
            funder=obj.funder,
            amount=obj.amount,
            reason=form.cleaned_data["change_reason"],
            actor=authenticated(request).user,
        )
        obj.pk = saved.pk

    def save_formset(self, request, form, formset, change) -> None:
        # The changes are written by budget_set, never by the inline (which
        # is read-only): commit=False writes nothing and fills what the
        # admin's history message reads.
        formset.save(commit=False)


@admin.register(StrandLedger)
class StrandLedgerAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ["strand", "cost_centre", "nominal_code"]
    list_select_related = ["strand"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: StrandLedger, form: Any, change: bool) -> None:
        services.strand_ledger_save(ledger=obj, actor=authenticated(request).user)


@admin.register(CallClaimRule)
class CallClaimRuleAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ["call", "second_approval_above"]
    list_select_related = ["call"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CallClaimRule, form: Any, change: bool) -> None:
        services.claim_rule_save(rule=obj, actor=authenticated(request).user)


NOT_FINANCE = (
    "Only LGA finance record payments: an officer who holds \u201crecords payments\u201d "
    "records this claim's payment date and reference."
)


def _act_page(
    model_admin, request, *, title: str, obj: Any, rows, forms_, buttons, claims=None, note=""
):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "object": obj,
        "rows": rows,
        "forms": forms_,
        "buttons": buttons,
        "claims": claims,
        "note": note,
    }
    return TemplateResponse(request, "admin/payments/act.html", context)


def _refused(form: forms.Form, error: ValidationError | PermissionDenied) -> None:
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error))
        return
    service_errors(form, error)


def _pounds(value) -> str:
    return f"£{value:,.2f}"


@admin.register(Commitment)
class CommitmentAdmin(AuditTrailMixin, admin.ModelAdmin):
    """An award's commitment: what it promised, claimed and paid; reduce or withdraw it."""

    list_display = ["application", "council", "strand", "financial_year", "amount", "withdrawn_at"]
    list_filter = ["financial_year", "strand"]
    list_select_related = ["application", "council", "strand"]
    search_fields = ["application__reference", "council__name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by an award's approval

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise PermissionDenied("An award's commitment changes only through its page's buttons")

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        found = self.get_object(request, unquote(object_id))
        if found is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        commitment = (
            selectors.commitments_with_totals(Commitment.objects.filter(pk=found.pk))
            .select_related("application", "investment", "council", "strand")
            .get()
        )
        can_change = self.has_change_permission(request, commitment)
        data = posted(request) if can_change else None
        form = CommitmentChangeForm(data)
        if data is not None and form.is_valid():
            action = data.get("action")
            actor = authenticated(request).user
            try:
                if action == "reduce":
                    if form.cleaned_data["amount"] is None:
                        raise ValidationError({"amount": "Enter the new amount of the award"})
                    services.commitment_reduce(
                        commitment=commitment,
                        amount=form.cleaned_data["amount"],
                        reason=form.cleaned_data["reason"],
                        actor=actor,
                    )
                elif action == "withdraw":
                    services.commitment_withdraw(
                        commitment=commitment, reason=form.cleaned_data["reason"], actor=actor
                    )
                else:
                    raise ValidationError("Choose reduce or withdraw")
            except (ValidationError, PermissionDenied) as error:
                _refused(form, error)
            else:
                done = "reduced" if action == "reduce" else "withdrawn"
                self.message_user(request, f"{commitment.reference}: {done}")
                return HttpResponseRedirect(request.path)
        rows = [
            ("Award", commitment.label),
            ("Council", commitment.council.name),
            ("Strand and year", f"{commitment.strand.name}, {commitment.financial_year}"),
            ("Awarded", _pounds(commitment.awarded)),
            ("Committed now", _pounds(commitment.amount)),
            # Annotated by selectors.commitments_with_totals.
            ("Claimed", _pounds(commitment.claimed)),  # type: ignore[attr-defined]
            ("Paid", _pounds(commitment.paid)),  # type: ignore[attr-defined]
        ]
        if commitment.over_budget_reason:
            rows.append(("Approved over budget because", commitment.over_budget_reason))
        if commitment.withdrawn_at:
            rows.append(("Withdrawn", f"{commitment.withdrawn_at:%-d %B %Y}"))
        if commitment.change_reason:
            rows.append(("Reason for the last change", commitment.change_reason))
        buttons = (
            [("reduce", "Reduce the award"), ("withdraw", "Withdraw the award")]
            if can_change and not commitment.is_withdrawn
            else []
        )
        return _act_page(
            self,
            request,
            title=f"Commitment of {commitment.reference}",
            obj=commitment,
            rows=rows,
            forms_=[form] if buttons else [],
            buttons=buttons,
            claims=selectors.claims_for_commitment(commitment=commitment),
        )


class ClaimQueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("check", "Waiting for a check"),
            ("second", "Waiting for a second officer"),
            ("pay", "Waiting for payment"),
        ]

    def queryset(self, request, queryset):
        states = {
            "check": ClaimState.SUBMITTED,
            "second": ClaimState.FIRST_APPROVED,
            "pay": ClaimState.APPROVED,
        }
        state = states.get(self.value() or "")
        return queryset.filter(state=state) if state else queryset


@admin.register(Claim)
class ClaimAdmin(AuditTrailMixin, admin.ModelAdmin):
    """A page per claim: approve, send back with a reason, record its payment."""

    list_display = [
        "pk",
        "council",
        "award",
        "amount",
        "invoice_reference",
        "state",
        "submitted_at",
    ]
    list_filter = [ClaimQueueFilter, "state"]
    list_select_related = ["council", "commitment__application", "commitment__strand"]
    search_fields = ["invoice_reference", "council__name", "commitment__application__reference"]
    change_list_template = "admin/payments/claim_change_list.html"

    @admin.display(description="Award", ordering="commitment__application__reference")
    def award(self, claim: Claim) -> str:
        return claim.commitment.reference

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # councils claim on their own pages

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise PermissionDenied("A claim changes only through its page's buttons")

    def get_urls(self):
        return [
            path(
                "awaiting-payment/",
                self.admin_site.admin_view(self.awaiting_payment),
                name="payments_claim_awaiting_payment",
            ),
            *super().get_urls(),
        ]

    def awaiting_payment(self, request: HttpRequest) -> HttpResponse:
        """Finance's list of approved claims waiting for payment, and its
        downloads (?format=csv or xlsx) for the finance system."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = exports.claim_rows(selectors.claims_awaiting_payment())
        kind = request.GET.get("format", "")
        day = f"{timezone.localdate():%Y-%m-%d}"
        if kind == "csv":
            response = HttpResponse(
                exports.claims_csv(rows), content_type="text/csv; charset=utf-8"
            )
        elif kind == "xlsx":
            response = HttpResponse(
                exports.claims_xlsx(rows),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        else:
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Claims waiting for payment",
                "header": rows[0],
                "rows": rows[1:],
            }
            return TemplateResponse(request, "admin/payments/awaiting_payment.html", context)
        response["Content-Disposition"] = (
            f'attachment; filename="claims-awaiting-payment-{day}.{kind}"'
        )
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        found = self.get_object(request, unquote(object_id))
        if found is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        claim = Claim.objects.select_related(
            "council",
            "commitment__application",
            "commitment__investment",
            "commitment__strand",
            "approved_by",
            "second_by",
        ).get(pk=found.pk)
        can_change = self.has_change_permission(request, claim)
        data = posted(request) if can_change else None
        decision = ClaimDecisionForm(data, prefix="decision")
        payment = PaymentForm(data, prefix="payment")
        if data is not None and decision.is_valid() and payment.is_valid():
            done = self._act(request, claim, data.get("action", ""), decision, payment)
            if done:
                self.message_user(request, f"Claim {claim.pk}: {done}", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        rows = [
            ("Council", claim.council.name),
            ("Award", claim.commitment.label),
            ("Amount", _pounds(claim.amount)),
            ("Period", f"{claim.period_from:%-d %B %Y} to {claim.period_to:%-d %B %Y}"),
            ("Invoice reference", claim.invoice_reference),
            *([("Paid to", claim.payee)] if claim.payee else []),
            ("Status", claim.get_state_display()),
            ("Sent", f"{timezone.localtime(claim.submitted_at):%-d %B %Y %H:%M}"),
        ]
        if claim.approved_by:
            rows.append(
                ("Approved by", claim.approved_by.get_full_name() or str(claim.approved_by))
            )
        if claim.second_by:
            rows.append(
                ("Second approval by", claim.second_by.get_full_name() or str(claim.second_by))
            )
        if claim.sent_back_reason:
            rows.append(("Sent back because", claim.sent_back_reason))
        if claim.paid_on:
            rows.append(("Paid", f"{claim.paid_on:%-d %B %Y}, reference {claim.payment_reference}"))
        buttons = []
        forms_: list[forms.Form] = []
        note = ""
        if can_change and claim.state in (ClaimState.SUBMITTED, ClaimState.FIRST_APPROVED):
            buttons = [("approve", "Approve the claim"), ("send_back", "Send back")]
            forms_ = [decision]
        elif can_change and claim.state == ClaimState.APPROVED:
            if request.user.has_perm(RECORD_PAYMENTS):
                buttons = [("pay", "Record the payment")]
                forms_ = [payment]
            else:
                # In the button's place, why there is none (the service
                # refuses a payment posted by anyone else all the same).
                note = NOT_FINANCE
        return _act_page(
            self,
            request,
            title=f"Claim {claim.pk} by {claim.council.name}",
            obj=claim,
            rows=rows,
            forms_=forms_,
            buttons=buttons,
            claims=None,
            note=note,
        )

    def _act(self, request, claim: Claim, action: str, decision, payment) -> str | None:
        actor = authenticated(request).user
        form = payment if action == "pay" else decision
        try:
            if action == "approve":
                claim = services.claim_approve(claim=claim, actor=actor)
                return (
                    "approved: waiting for a second officer"
                    if claim.state == ClaimState.FIRST_APPROVED
                    else "approved: waiting for payment"
                )
            if action == "send_back":
                services.claim_send_back(
                    claim=claim, actor=actor, reason=decision.cleaned_data["reason"]
                )
                return "sent back to the council"
            if action == "pay":
                services.claim_pay(
                    claim=claim,
                    actor=actor,
                    paid_on=payment.cleaned_data["paid_on"],
                    reference=payment.cleaned_data["reference"],
                )
                return "payment recorded"
            form.add_error(None, "Choose an action")
        except (ValidationError, PermissionDenied) as error:
            _refused(form, error)
        return None


@admin.register(BudgetChange)
class BudgetChangeAdmin(ReadOnlyAdmin):
    list_display = ["budget", "changed_at", "amount_before", "amount_after", "changed_by"]
    list_select_related = ["budget__strand", "changed_by"]


@admin.register(MoneyRollup)
class MoneyRollupAdmin(ReadOnlyAdmin):
    """Committed, claimed and paid per scope and call, as the drain keeps them
    (docs/money.md, "Rollups"): officers look; only the drain writes."""

    list_display = [
        "strand",
        "council",
        "financial_year",
        "call",
        "committed",
        "awarded",
        "awards",
        "claimed",
        "paid",
        "computed_at",
    ]
    list_filter = ["strand", "financial_year"]
    list_select_related = ["strand", "council", "call"]
    search_fields = ["council__name", "call__title"]
