from django.contrib import admin
from django.db.models import Count

from programmes.procurement.models import (
    Activity,
    EuMilestone,
    Objective,
    ProgrammeBoardMember,
    ReportingDeadline,
    Workstream,
    WorkstreamIssue,
)


class BoardMemberInline(admin.TabularInline):
    model = ProgrammeBoardMember
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


class DeadlineInline(admin.TabularInline):
    model = ReportingDeadline
    extra = 0


@admin.register(Workstream)
class WorkstreamAdmin(admin.ModelAdmin):
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
        return obj._activities


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "workstream", "status", "due_on"]
    list_filter = ["workstream", "status"]
    list_select_related = ["workstream"]
    search_fields = ["title", "description"]
    date_hierarchy = "due_on"


@admin.register(EuMilestone)
class EuMilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "when", "status"]
    list_filter = ["status"]
    search_fields = ["title", "description"]
