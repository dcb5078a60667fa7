"""Officers' workspace for investment, savings and rollups.

Every write here (add, change, delete, bulk delete, verify, import) goes
through `savings.services`, so every one marks the outbox; rollups and the
outbox are read-only (they are derived, and rebuilt by the worker).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from programmes import audit
from programmes.access import AuthenticatedRequest
from programmes.admin_tools import (
    AuditTrailMixin,
    BigListMixin,
    IndexedValuesListFilter,
    ReadOnlyAdmin,
    SafeChoicesMixin,
)
from programmes.forms import DATE_FORMATS, date_reason_field, earlier_date_check
from savings import imports, services
from savings.models import (
    Investment,
    OutboxMarker,
    Rollup,
    SavingsEntry,
    SavingsKind,
)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text="The first row names the columns; see the list below.",
        error_messages={"required": "Choose a CSV or XLSX file to import"},
    )
    dry_run = forms.BooleanField(
        label="Preview only: check every row and save nothing",
        required=False,
        initial=True,
    )


if TYPE_CHECKING:
    # What the mixin is mixed into.
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _ModelAdminBase = object


class ImportMixin(_ModelAdminBase):
    """An "Import" page on the changelist: preview, row errors, all-or-nothing."""

    import_record: str

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: AuthenticatedRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        preview = None
        if request.method == "POST" and form.is_valid():
            try:
                table = imports.read_table(form.cleaned_data["file"])
            except ValidationError as error:
                form.add_error("file", error)
            else:
                preview = imports.preview(self.import_record, table)
                if preview.ok and not form.cleaned_data["dry_run"]:
                    count = services.savings_import(preview=preview, actor=request.user)
                    self.message_user(request, f"Imported {count:,} rows.", messages.SUCCESS)
                    info = self.model._meta.app_label, self.model._meta.model_name
                    return HttpResponseRedirect(reverse("admin:{}_{}_changelist".format(*info)))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Import {self.model._meta.verbose_name_plural}",
            "form": form,
            "preview": preview,
            "columns": imports.COLUMNS[self.import_record],
            "optional": imports.OPTIONAL[self.import_record],
        }
        return TemplateResponse(request, "admin/savings/import.html", context)


class DeletedMeanwhileMixin:
    """An officer saving a fact that a colleague deleted after the form was
    opened is told so, and nothing is brought back (services.FactDeletedError)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.FactDeletedError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")


class EarlierDateMixin(forms.ModelForm):
    """A fact's effective date (docs/savings.md, "Effective dates") is today
    unless the officer gives an earlier one, with the reason, which the audit
    trail keeps with the change. `date_field` names it."""

    date_field = ""
    date_reason = date_reason_field("the award was decided at the panel of 2 September 2013")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Left empty: today for a new fact, unchanged for an existing one.
        self.fields[self.date_field].required = False
        self.fields[self.date_field].help_text = "Leave empty for today"

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get(self.date_field) and self.date_field not in self.errors:
            stored = getattr(self.instance, self.date_field) if self.instance.pk else None
            cleaned[self.date_field] = stored or timezone.localdate()
        on = cleaned.get(self.date_field)
        changed = self.date_field in self.changed_data or not self.instance.pk
        if on and changed:
            earlier_date_check(self, self.date_field, on)
        return cleaned


class InvestmentForm(EarlierDateMixin):
    date_field = "awarded_on"

    class Meta:
        model = Investment
        fields = [
            "strand",
            "council",
            "application",
            "source",
            "financial_year",
            "amount",
            "description",
            "awarded_on",
        ]


@admin.register(Investment)
class InvestmentAdmin(
    AuditTrailMixin,
    DeletedMeanwhileMixin,
    ImportMixin,
    SafeChoicesMixin,
    BigListMixin,
    admin.ModelAdmin,
):
    import_record = imports.INVESTMENT
    change_list_template = "admin/savings/change_list_with_import.html"
    form = InvestmentForm
    list_display = [
        "council",
        "strand",
        "financial_year",
        "amount",
        "source",
        "application",
        "awarded_on",
    ]
    # Millions of rows (BigListMixin): the years come from the
    # (financial_year, id) index, one probe each, not a DISTINCT.
    list_filter = ["strand", ("financial_year", IndexedValuesListFilter), "source"]
    list_select_related = ["council", "strand", "application"]
    # A bid's reference is searched in the fact's own copy of it (see
    # SavingsEntryAdmin).
    search_fields = ["council__name", "description", "bid_reference"]
    autocomplete_fields = ["council"]
    raw_id_fields = ["application"]

    def save_model(self, request, obj: Investment, form, change: bool) -> None:
        with audit.reason(form.cleaned_data.get("date_reason", "").strip()):
            if change:
                services.investment_update(actor=request.user, investment=obj)
                return
            created = services.investment_record(
                actor=request.user,
                strand=obj.strand,
                council=obj.council,
                source=obj.source,
                financial_year=obj.financial_year,
                amount=obj.amount,
                application=obj.application,
                description=obj.description,
                awarded_on=obj.awarded_on,
            )
        obj.pk = created.pk

    def delete_model(self, request, obj: Investment) -> None:
        services.investment_delete(actor=request.user, investment=obj)

    def delete_queryset(self, request, queryset: QuerySet[Investment]) -> None:
        services.investments_delete(actor=request.user, investments=queryset)


class VerifiedFilter(admin.SimpleListFilter):
    title = "verification"
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [("awaiting", "Realised, awaiting verification"), ("verified", "Verified")]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            # Sent and not verified: drafts and lines sent back are not awaiting.
            return queryset.filter(kind=SavingsKind.REALISED, verified_at__isnull=True, withheld="")
        if self.value() == "verified":
            return queryset.filter(verified_at__isnull=False)
        return queryset


class SavingsEntryForm(EarlierDateMixin):
    date_field = "reported_on"
    mark_verified = forms.BooleanField(
        label="I have checked the evidence: count this realised saving as verified",
        required=False,
    )
    verified_on = forms.DateField(
        input_formats=DATE_FORMATS,
        label="Verified on (if earlier than today)",
        help_text="Leave empty for today. An earlier date needs the reason below",
        required=False,
    )

    class Meta:
        model = SavingsEntry
        fields = [
            "strand",
            "council",
            "application",
            "financial_year",
            "kind",
            "recurrence",
            "amount",
            "evidence",
            "reported_on",
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mark_verified") and cleaned.get("kind") != SavingsKind.REALISED:
            self.add_error("mark_verified", "Only realised savings are verified")
        verified_on = cleaned.get("verified_on")
        if verified_on:
            if not cleaned.get("mark_verified"):
                self.add_error(
                    "verified_on", "Tick the box to verify the saving, or leave the date"
                )
            elif (
                earlier_date_check(self, "verified_on", verified_on)
                and (reported := cleaned.get("reported_on"))
                and verified_on < reported
            ):
                self.add_error("verified_on", "A saving is verified on or after it was reported")
        return cleaned

    def verified_at(self) -> datetime | None:
        """When it was verified: now, or noon (London) on the earlier day given."""
        on = self.cleaned_data.get("verified_on")
        if not on or on == timezone.localdate():
            return None
        return datetime.combine(on, time(12), tzinfo=timezone.get_current_timezone())


@admin.register(SavingsEntry)
class SavingsEntryAdmin(
    AuditTrailMixin,
    DeletedMeanwhileMixin,
    ImportMixin,
    SafeChoicesMixin,
    BigListMixin,
    admin.ModelAdmin,
):
    import_record = imports.SAVINGS
    change_list_template = "admin/savings/change_list_with_import.html"
    form = SavingsEntryForm
    list_display = [
        "council",
        "strand",
        "financial_year",
        "kind",
        "amount",
        "recurrence",
        "verification",
        "reported_by",
    ]
    list_filter = [
        VerifiedFilter,
        "strand",
        "kind",
        ("financial_year", IndexedValuesListFilter),
    ]
    list_select_related = ["council", "strand", "reported_by"]
    # The bid's reference as the fact's copy (`bid_reference`, with a
    # trigram index): the same facts as `application__reference`, without
    # reading every bid whose reference has the word (docs/savings.md, "A
    # word that matches many bids").
    search_fields = ["council__name", "evidence", "bid_reference"]
    autocomplete_fields = ["council"]
    raw_id_fields = ["application"]
    # The document is shown as a link to the access-checked download, never
    # as a file widget: private storage has no public URL to link to.
    readonly_fields = ["evidence_document", "reported_by", "verified_at", "verified_by"]
    actions = ["verify_selected"]

    @admin.display(description="Supporting document")
    def evidence_document(self, entry: SavingsEntry) -> str:
        if not entry.pk or not entry.document:
            return "None"
        url = reverse("savings:evidence_download", args=[entry.pk])
        return format_html('<a href="{}">Download the supporting document</a>', url)

    @admin.display(description="Verification")
    def verification(self, entry: SavingsEntry) -> str:
        if entry.kind != SavingsKind.REALISED:
            return "—"
        return "Verified" if entry.is_verified else "Awaiting verification"

    def save_model(self, request, obj: SavingsEntry, form, change: bool) -> None:
        verify = form.cleaned_data.get("mark_verified", False)
        with audit.reason(form.cleaned_data.get("date_reason", "").strip()):
            if change:
                services.savings_entry_update(actor=request.user, entry=obj)
                if verify:
                    services.savings_entry_verify(
                        entry=obj, actor=request.user, at=form.verified_at()
                    )
                return
            created = services.savings_entry_record(
                actor=request.user,
                strand=obj.strand,
                council=obj.council,
                application=obj.application,
                financial_year=obj.financial_year,
                kind=obj.kind,
                recurrence=obj.recurrence,
                amount=obj.amount,
                evidence=obj.evidence,
                verified=verify,
                reported_on=obj.reported_on,
                verified_at=form.verified_at(),
            )
        obj.pk = created.pk

    def delete_model(self, request, obj: SavingsEntry) -> None:
        services.savings_entry_delete(actor=request.user, entry=obj)

    def delete_queryset(self, request, queryset: QuerySet[SavingsEntry]) -> None:
        services.savings_entries_delete(actor=request.user, entries=queryset)

    @admin.action(description="Verify selected realised savings")
    def verify_selected(self, request, queryset: QuerySet[SavingsEntry]) -> None:
        count = services.savings_entries_verify(entries=queryset, actor=request.user)
        self.message_user(request, f"Verified {count:,} realised savings.", messages.SUCCESS)


@admin.register(Rollup)
class RollupAdmin(ReadOnlyAdmin):
    list_display = [
        "scope_key",
        "strand",
        "council",
        "financial_year",
        "investment",
        "projected",
        "realised",
        "realised_unverified",
        "projected_roi",
        "realised_roi",
        "computed_at",
    ]
    list_filter = ["strand", "financial_year"]
    list_select_related = ["strand", "council"]
    search_fields = ["council__name", "scope_key"]


@admin.register(OutboxMarker)
class OutboxMarkerAdmin(ReadOnlyAdmin):
    list_display = ["strand", "council", "financial_year", "marked_at"]
    list_select_related = ["strand", "council"]
