"""The officers' Awards page: each approved bid's councils and their shares
(docs/board.md, "Councils served and shares").

An award's shares are changed together, on the award's page, because they
must add up to the award: the form says so before anything is saved, and
the service (`services.award_shares_set`) checks it again under the bid's lock.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponseRedirect

from applications import services
from applications.models import ApplicationState, Award, AwardShare
from programmes.access import authenticated
from programmes.admin_tools import AuditTrailMixin


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


class AwardShareInline(admin.TabularInline):
    model = AwardShare
    formset = AwardShareFormSet
    fields = ["council", "amount"]
    readonly_fields = ["council"]
    extra = 0
    can_delete = False
    verbose_name = "council's share"
    verbose_name_plural = "councils served and their shares (they must add up to the award)"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        # The councils are the bid's lead and partners, not chosen here.
        return False


@admin.register(Award)
class AwardAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ["reference", "title", "lead_council", "strand", "award", "councils_served"]
    list_select_related = ["call__strand", "lead_council"]
    list_filter = ["call__strand"]
    search_fields = ["reference", "title", "lead_council__name"]
    ordering = ["-decided_at", "-pk"]
    fields = ["reference", "title", "lead_council", "strand", "award"]
    readonly_fields = ["reference", "title", "lead_council", "strand", "award"]
    inlines = [AwardShareInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Award]:
        return (
            super()
            .get_queryset(request)
            .filter(state=ApplicationState.APPROVED)
            .annotate(served=Count("shares"))
        )

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
        services.award_shares_set(
            application=form.instance, amounts=amounts, actor=authenticated(request).user
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The service refuses what the form could not know (the bid changed
        # meanwhile): say why, with nothing saved, instead of a server error.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)
