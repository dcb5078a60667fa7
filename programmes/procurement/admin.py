from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet

from programmes import audit
from programmes.admin_tools import (
    AuditTrailMixin,
    SafeChoicesMixin,
    ServiceRefusalMixin,
    form_data,
    formset_through_services,
)
from programmes.forms import PoundsField, service_errors
from programmes.models import Council, Strand
from programmes.procurement import services
from programmes.procurement.models import (
    Activity,
    EuMilestone,
    Objective,
    ProgrammeBoardMember,
    ReportingDeadline,
    Workstream,
    WorkstreamIssue,
    WorkstreamSaving,
)
from programmes.procurement.services import workstream_saving_delete, workstream_saving_record
from savings.admin import EarlierDateMixin
from savings.models import Recurrence, SavingsEntry, SavingsKind


class BoardMemberForm(EarlierDateMixin):
    """A seat's day: today, or an earlier day with the reason (docs/board.md,
    "As at a date")."""

    date_field = "joined_on"

    class Meta:
        model = ProgrammeBoardMember
        fields = ["kind", "council", "organisation", "role", "joined_on"]


class BoardMemberInline(SafeChoicesMixin, admin.TabularInline):
    model = ProgrammeBoardMember
    form = BoardMemberForm
    fields = ["kind", "council", "organisation", "role", "joined_on", "date_reason"]
    autocomplete_fields = ["council"]
    extra = 0


class ObjectiveInline(admin.TabularInline):
    model = Objective
    extra = 0


class ActivityInline(admin.TabularInline):
    model = Activity
    fields = ["title", "status", "due_on", "status_note"]
    extra = 0


class IssueInline(admin.TabularInline):
    model = WorkstreamIssue
    extra = 0


class DeadlineForm(EarlierDateMixin):
    """The day the deadline was set: today, or an earlier day with the reason."""

    date_field = "recorded_on"

    class Meta:
        model = ReportingDeadline
        fields = ["report_to", "due_on", "description", "met_on", "recorded_on"]


class DeadlineInline(admin.TabularInline):
    model = ReportingDeadline
    form = DeadlineForm
    fields = ["report_to", "due_on", "description", "met_on", "recorded_on", "date_reason"]
    extra = 0


@admin.register(Workstream)
class WorkstreamAdmin(SafeChoicesMixin, ServiceRefusalMixin, admin.ModelAdmin):
    list_display = ["name", "lead_council", "activity_count", "display_order"]
    list_select_related = ["lead_council"]
    search_fields = ["name", "lead_council__name"]
    autocomplete_fields = ["lead_council"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [BoardMemberInline, ObjectiveInline, ActivityInline, IssueInline, DeadlineInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_activities=Count("activities"))

    @admin.display(description="Activities", ordering="_activities")
    def activity_count(self, obj: Workstream) -> int:
        return obj._activities  # type: ignore[attr-defined]  # get_queryset's annotation

    def save_model(self, request, obj: Workstream, form, change: bool) -> None:
        data = form_data(form, services.WORKSTREAM_FIELDS)
        if change:
            services.workstream_update(actor=request.user, workstream=obj, data=data)
            return
        obj.pk = services.workstream_upsert(actor=request.user, **data).pk

    def save_formset(self, request, form, formset, change: bool) -> None:
        # An earlier seat or deadline day carries the officer's reason into the trail.
        reasons = {
            id(row.instance): row.cleaned_data.get("date_reason", "").strip()
            for row in formset.forms
            if hasattr(row, "cleaned_data")
        }

        def save(part, data):
            with audit.reason(reasons.get(id(part), "")):
                return services.workstream_part_save(actor=request.user, part=part, data=data)

        formset_through_services(
            formset,
            save=save,
            delete=lambda part: services.workstream_part_delete(actor=request.user, part=part),
        )

    def delete_model(self, request, obj: Workstream) -> None:
        services.workstream_delete(actor=request.user, workstream=obj)

    def delete_queryset(self, request, queryset: QuerySet[Workstream]) -> None:
        for workstream in queryset:
            services.workstream_delete(actor=request.user, workstream=workstream)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "workstream", "status", "due_on"]
    list_filter = ["workstream", "status"]
    list_select_related = ["workstream"]
    search_fields = ["title", "description"]
    date_hierarchy = "due_on"

    def save_model(self, request, obj: Activity, form, change: bool) -> None:
        obj.pk = services.workstream_part_save(
            actor=request.user, part=obj, data=form_data(form)
        ).pk

    def delete_model(self, request, obj: Activity) -> None:
        services.workstream_part_delete(actor=request.user, part=obj)

    def delete_queryset(self, request, queryset: QuerySet[Activity]) -> None:
        for activity in queryset:
            services.workstream_part_delete(actor=request.user, part=activity)


@admin.register(EuMilestone)
class EuMilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "when", "status"]
    list_filter = ["status"]
    search_fields = ["title", "description"]

    def save_model(self, request, obj: EuMilestone, form, change: bool) -> None:
        data = form_data(form, services.MILESTONE_FIELDS)
        if change:
            services.milestone_update(actor=request.user, milestone=obj, data=data)
            return
        obj.pk = services.milestone_create(actor=request.user, **data).pk

    def delete_model(self, request, obj: EuMilestone) -> None:
        services.milestone_delete(actor=request.user, milestone=obj)

    def delete_queryset(self, request, queryset: QuerySet[EuMilestone]) -> None:
        for milestone in queryset:
            services.milestone_delete(actor=request.user, milestone=milestone)


class WorkstreamSavingForm(forms.ModelForm):
    """The saving's facts, checked as the savings service will check them."""

    council = forms.ModelChoiceField(
        queryset=Council.objects.all(), help_text="The council that made the saving"
    )
    financial_year = forms.CharField(max_length=7, help_text="For example, 2013/14")
    kind = forms.ChoiceField(choices=SavingsKind.choices)
    recurrence = forms.ChoiceField(choices=Recurrence.choices, initial=Recurrence.ONE_OFF)
    amount = PoundsField(help_text="In pounds")
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    mark_verified = forms.BooleanField(
        label="I have checked the evidence: count this realised saving as verified",
        required=False,
    )

    class Meta:
        model = WorkstreamSaving
        fields = ["workstream", "note"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("mark_verified") and cleaned["kind"] != SavingsKind.REALISED:
            self.add_error("mark_verified", "Only realised savings are verified")
        entry = SavingsEntry(
            strand=Strand.objects.get(key="procurement"),
            council=cleaned["council"],
            financial_year=cleaned["financial_year"],
            kind=cleaned["kind"],
            recurrence=cleaned["recurrence"],
            amount=cleaned["amount"],
            evidence=cleaned.get("evidence", ""),
        )
        try:
            entry.full_clean()
        except ValidationError as error:
            service_errors(self, error)
        return cleaned


@admin.register(WorkstreamSaving)
class WorkstreamSavingAdmin(AuditTrailMixin, admin.ModelAdmin):
    """Added here through `workstream_saving_record`; the saving's figures are then
    corrected in Savings entries (through the savings services), so this is add,
    view and delete only."""

    form = WorkstreamSavingForm
    list_display = ["workstream", "council", "financial_year", "kind", "amount", "verified"]
    list_filter = ["workstream", "savings_entry__kind", "savings_entry__financial_year"]
    list_select_related = ["workstream", "savings_entry__council"]
    search_fields = ["workstream__name", "savings_entry__council__name", "note"]

    @admin.display(description="Council", ordering="savings_entry__council__name")
    def council(self, saving: WorkstreamSaving) -> str:
        return str(saving.savings_entry.council)

    @admin.display(description="Year", ordering="savings_entry__financial_year")
    def financial_year(self, saving: WorkstreamSaving) -> str:
        return saving.savings_entry.financial_year

    @admin.display(description="Kind")
    def kind(self, saving: WorkstreamSaving) -> str:
        return saving.savings_entry.get_kind_display()

    @admin.display(description="Amount", ordering="savings_entry__amount")
    def amount(self, saving: WorkstreamSaving) -> str:
        return f"£{saving.savings_entry.amount:,.2f}"

    @admin.display(description="Verified", boolean=True)
    def verified(self, saving: WorkstreamSaving) -> bool:
        return saving.savings_entry.is_verified

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj: WorkstreamSaving, form, change: bool) -> None:
        data = form.cleaned_data
        saved = workstream_saving_record(
            actor=request.user,
            workstream=data["workstream"],
            council=data["council"],
            financial_year=data["financial_year"],
            kind=data["kind"],
            recurrence=data["recurrence"],
            amount=data["amount"],
            evidence=data.get("evidence", ""),
            note=data.get("note", ""),
            verified=bool(data.get("mark_verified")),
        )
        obj.pk = saved.pk
        obj.savings_entry = saved.savings_entry

    def delete_model(self, request, obj: WorkstreamSaving) -> None:
        workstream_saving_delete(actor=request.user, saving=obj)

    def delete_queryset(self, request, queryset: QuerySet[WorkstreamSaving]) -> None:
        for saving in queryset.select_related("savings_entry"):
            workstream_saving_delete(actor=request.user, saving=saving)
