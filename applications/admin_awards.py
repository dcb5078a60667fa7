"""The officers' Awards page: each approved bid's councils and their shares
(docs/board.md, "Councils served and shares").

An award's shares are changed together, on the award's page, because they
must add up to the award: the form says so before anything is saved, and
the service (`services.award_shares_set`) checks it again under the bid's lock.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from applications import services
from applications.models import ApplicationState, Award, AwardShare, AwardSharePast
from programmes import audit
from programmes.access import authenticated
from programmes.admin_tools import AuditTrailMixin, ServiceRefusalMixin
from programmes.forms import DATE_FORMATS, date_reason_field, earlier_date_check


class AwardShareFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        value = self.instance.award_value
        amounts = [form.cleaned_data.get("amount") for form in self.forms if form.cleaned_data]
        total = sum((amount for amount in amounts if amount is not None), Decimal(0))
        if value is not None and total != value:
            raise ValidationError(services.shares_total_message(value, total), code="total")


class AwardForm(forms.ModelForm):
    """The day the new split applies from: today, or an earlier day with the
    reason, which the audit trail keeps with the change (docs/savings.md,
    "Effective dates"; docs/board.md, "As at a date")."""

    shares_from = forms.DateField(
        input_formats=DATE_FORMATS,
        label="The new shares apply from",
        required=False,
        help_text="Leave empty for today. For example 2 9 2013 (day month year)",
    )
    date_reason = date_reason_field(
        "the councils agreed the split at the panel of 2 September 2013"
    )

    class Meta:
        model = Award
        fields: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("shares_from") is not None:
            earlier_date_check(self, "shares_from", cleaned["shares_from"])
        return cleaned


class AwardShareInline(admin.TabularInline):
    model = AwardShare
    formset = AwardShareFormSet
    fields = ["council", "amount", "starts_on"]
    readonly_fields = ["council", "starts_on"]
    extra = 0
    can_delete = False
    verbose_name = "council's share"
    verbose_name_plural = "councils served and their shares (they must add up to the award)"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        # The councils are the bid's lead and partners, not chosen here.
        return False


@admin.register(Award)
class AwardAdmin(AuditTrailMixin, ServiceRefusalMixin, admin.ModelAdmin):
    list_display = ["reference", "title", "lead_council", "strand", "award", "councils_served"]
    list_select_related = ["call__strand", "lead_council"]
    list_filter = ["call__strand"]
    search_fields = ["reference", "title", "lead_council__name"]
    ordering = ["-decided_at", "-pk"]
    form = AwardForm
    fields = [
        "reference",
        "title",
        "lead_council",
        "strand",
        "award",
        "shares_from",
        "date_reason",
        "earlier_shares",
    ]
    readonly_fields = ["reference", "title", "lead_council", "strand", "award", "earlier_shares"]
    inlines = [AwardShareInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Award]:
        return (
            super()
            .get_queryset(request)
            .filter(state=ApplicationState.APPROVED)
            .annotate(served=Count("shares"))
        )

    def audit_related(self, obj: Award, request: HttpRequest) -> list:
        # The History: each change of the present shares, with its reason.
        return list(obj.shares.all())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # an award is made by approving a bid

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # awards are records of decisions

    @admin.display(description="Strand", ordering="call__strand__display_order")
    def strand(self, obj: Award) -> str:
        return obj.call.strand.name

    @admin.display(description="Award")
    def award(self, obj: Award) -> str:
        value = obj.award_value
        worth = "" if value is None or obj.award_days is None else f" (£{value:,.2f})"
        return f"{obj.award_display}{worth}"

    @admin.display(description="Earlier shares")
    def earlier_shares(self, obj: Award) -> str:
        """The splits an officer's change replaced, newest first, read-only:
        each in force from its first day up to the day before it was replaced."""
        rows = AwardSharePast.objects.filter(application=obj).select_related("council")
        if not rows:
            return "None: the shares have not been changed since they were set"
        return format_html(
            "<table><thead><tr><th>Council</th><th>Share</th><th>Applied from</th>"
            "<th>Replaced on</th><th>Changed at</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>£{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        row.council.name,
                        f"{row.amount:,.2f}",
                        f"{row.starts_on:%-d %B %Y}",
                        f"{row.ends_on:%-d %B %Y}",
                        f"{timezone.localtime(row.recorded_at):%-d %B %Y %H:%M}",
                    )
                    for row in rows
                ),
            ),
        )

    @admin.display(description="Councils served", ordering="served")
    def councils_served(self, obj: Award) -> int:
        return obj.served  # type: ignore[attr-defined]  # get_queryset's annotation

    def save_model(self, request, obj: Award, form, change: bool) -> None:
        # Nothing of the bid is changed here: only its shares (save_formset).
        return None

    def save_formset(self, request, form, formset, change: bool) -> None:
        formset.save(commit=False)  # what changed, for the history message; writes nothing
        amounts = {
            row.instance.council_id: row.cleaned_data.get("amount")
            for row in formset.forms
            if row.cleaned_data
        }
        with audit.reason(form.cleaned_data.get("date_reason", "").strip()):
            services.award_shares_set(
                application=form.instance,
                amounts=amounts,
                actor=authenticated(request).user,
                on=form.cleaned_data.get("shares_from"),
            )
