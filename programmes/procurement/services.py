"""Writes to the procurement workstreams. Keyword-only, one transaction each.

Savings a workstream generates are savings facts: they go through
`savings.services` (which marks the rollup outbox), linked to the workstream.

Who may act (programmes/permissions.py): LGA officers only, for every write
here (`require_officer`); `actor` is required, the demo passes `DEMO`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from programmes.models import Council, Strand
from programmes.permissions import Actor, require_officer
from programmes.procurement.models import (
    RAG,
    Activity,
    ActivityStatusChange,
    BoardMemberKind,
    EuMilestone,
    Objective,
    ProgrammeBoardMember,
    ReportingDeadline,
    Workstream,
    WorkstreamIssue,
    WorkstreamSaving,
)
from programmes.services import model_update
from savings.models import Recurrence
from savings.services import savings_entry_delete, savings_entry_record


@transaction.atomic
def workstream_upsert(
    *,
    actor: Actor,
    slug: str,
    name: str,
    lead_council: Council,
    summary: str = "",
    key_facts: str = "",
    display_order: int = 0,
    lead_joined_on: date | None = None,
) -> Workstream:
    """Add or change a workstream; its lead council takes a seat on its board
    on `lead_joined_on` (today if not given) if it has none."""
    require_officer(actor)
    workstream, _ = Workstream.objects.update_or_create(
        slug=slug,
        defaults={
            "name": name,
            "lead_council": lead_council,
            "summary": summary,
            "key_facts": key_facts,
            "display_order": display_order,
        },
    )
    _lead_on_board(workstream, lead_joined_on)
    return workstream


def _lead_on_board(workstream: Workstream, on: date | None = None) -> None:
    # The lead council always sits on its programme board, from the day it leads.
    ProgrammeBoardMember.objects.get_or_create(
        workstream=workstream,
        kind=BoardMemberKind.COUNCIL,
        council=workstream.lead_council,
        defaults={"role": "Lead", "joined_on": on or timezone.localdate()},
    )


WORKSTREAM_FIELDS = ("name", "slug", "lead_council", "summary", "key_facts", "display_order")


@transaction.atomic
def workstream_update(
    *, actor: Actor, workstream: Workstream, data: Mapping[str, Any]
) -> Workstream:
    """Change a workstream (its slug too); a new lead council joins its board."""
    require_officer(actor)
    stored = Workstream.objects.select_for_update().get(pk=workstream.pk)
    stored, _ = model_update(instance=stored, fields=WORKSTREAM_FIELDS, data=data)
    _lead_on_board(stored)
    return stored


@transaction.atomic
def workstream_delete(*, actor: Actor, workstream: Workstream) -> None:
    """Delete a workstream and its board, objectives, activities, issues and
    deadlines; one with savings recorded is protected by them."""
    require_officer(actor)
    workstream.delete()


# The rows a workstream's page lists, edited with it in the admin.
WorkstreamPart = ProgrammeBoardMember | Objective | Activity | WorkstreamIssue | ReportingDeadline
PART_MODELS = (ProgrammeBoardMember, Objective, Activity, WorkstreamIssue, ReportingDeadline)


def _part_fields(part: WorkstreamPart) -> list[str]:
    if not isinstance(part, PART_MODELS):
        raise TypeError(f"Not a part of a workstream: {type(part).__name__}")
    return [field.name for field in part._meta.concrete_fields if not field.primary_key]


@transaction.atomic
def workstream_part_save(
    *, actor: Actor, part: WorkstreamPart, data: Mapping[str, Any]
) -> WorkstreamPart:
    """Add a board member, objective, activity, issue or deadline (`part`
    unsaved, its workstream set), or change one: its fields from `data`."""
    require_officer(actor)
    fields = _part_fields(part)
    if part.pk:
        part = type(part).objects.select_for_update().get(pk=part.pk)
    before = part.status if isinstance(part, Activity) and part.pk else None
    part, _ = model_update(instance=part, fields=fields, data=data)
    if isinstance(part, Activity) and part.status != before:
        _status_changed(part)
    return part


def _status_changed(activity: Activity, on: date | None = None) -> None:
    # The activity's status history (ActivityStatusChange), for the board as at a date.
    ActivityStatusChange.objects.create(
        activity=activity, status=activity.status, changed_on=on or timezone.localdate()
    )


@transaction.atomic
def workstream_part_delete(*, actor: Actor, part: WorkstreamPart) -> None:
    """Remove a board member, objective, activity, issue or deadline."""
    require_officer(actor)
    _part_fields(part)
    if (
        isinstance(part, ProgrammeBoardMember)
        and part.kind == BoardMemberKind.COUNCIL
        and part.council_id == part.workstream.lead_council_id
    ):
        raise ValidationError(
            "The lead council sits on its workstream's board: change the lead council first",
            code="lead",
        )
    part.delete()


@transaction.atomic
def board_member_add(
    *,
    actor: Actor,
    workstream: Workstream,
    kind: str,
    council: Council | None = None,
    organisation: str = "",
    role: str = "Member",
    joined_on: date | None = None,
) -> ProgrammeBoardMember:
    """A seat on the workstream's board, taken on `joined_on` (today if not given)."""
    require_officer(actor)
    member, _ = ProgrammeBoardMember.objects.get_or_create(
        workstream=workstream,
        kind=kind,
        council=council,
        organisation=organisation,
        defaults={"role": role, "joined_on": joined_on or timezone.localdate()},
    )
    member.full_clean()
    return member


@transaction.atomic
def objective_set(
    *, actor: Actor, workstream: Workstream, text: str, display_order: int
) -> Objective:
    require_officer(actor)
    objective, _ = Objective.objects.update_or_create(
        workstream=workstream, display_order=display_order, defaults={"text": text}
    )
    return objective


@transaction.atomic
def activity_upsert(
    *,
    actor: Actor,
    workstream: Workstream,
    title: str,
    status: str = RAG.GREEN,
    due_on: date | None = None,
    description: str = "",
    status_note: str = "",
    status_on: date | None = None,
) -> Activity:
    """Add or change an activity; a new status takes effect on `status_on`
    (today if not given)."""
    require_officer(actor)
    before = (
        Activity.objects.filter(workstream=workstream, title=title)
        .values_list("status", flat=True)
        .first()
    )
    activity, _ = Activity.objects.update_or_create(
        workstream=workstream,
        title=title,
        defaults={
            "status": status,
            "due_on": due_on,
            "description": description,
            "status_note": status_note,
        },
    )
    activity.full_clean()
    if activity.status != before:
        _status_changed(activity, status_on)
    return activity


@transaction.atomic
def issue_raise(
    *, actor: Actor, workstream: Workstream, description: str, raised_on: date
) -> WorkstreamIssue:
    require_officer(actor)
    issue, _ = WorkstreamIssue.objects.get_or_create(
        workstream=workstream, description=description, defaults={"raised_on": raised_on}
    )
    return issue


@transaction.atomic
def deadline_set(
    *,
    actor: Actor,
    workstream: Workstream,
    report_to: str,
    due_on: date,
    description: str = "",
    recorded_on: date | None = None,
) -> ReportingDeadline:
    """Set when the workstream reports to whom; a new deadline is recorded on
    `recorded_on` (today if not given), a changed one keeps its day."""
    require_officer(actor)
    deadline, _ = ReportingDeadline.objects.update_or_create(
        workstream=workstream,
        report_to=report_to,
        defaults={"due_on": due_on, "description": description},
        create_defaults={
            "due_on": due_on,
            "description": description,
            "recorded_on": recorded_on or timezone.localdate(),
        },
    )
    return deadline


@transaction.atomic
def milestone_upsert(
    *,
    actor: Actor,
    title: str,
    due_on: date,
    status: str,
    description: str = "",
    date_is_month_only: bool = False,
) -> EuMilestone:
    require_officer(actor)
    milestone, _ = EuMilestone.objects.update_or_create(
        title=title,
        defaults={
            "due_on": due_on,
            "status": status,
            "description": description,
            "date_is_month_only": date_is_month_only,
        },
    )
    milestone.full_clean()
    return milestone


MILESTONE_FIELDS = ("title", "due_on", "date_is_month_only", "status", "description")


@transaction.atomic
def milestone_create(
    *,
    actor: Actor,
    title: str,
    due_on: date,
    status: str,
    description: str = "",
    date_is_month_only: bool = False,
) -> EuMilestone:
    """A new milestone, even one titled as another (the upsert would change that one)."""
    require_officer(actor)
    milestone, _ = model_update(
        instance=EuMilestone(),
        fields=MILESTONE_FIELDS,
        data={
            "title": title,
            "due_on": due_on,
            "status": status,
            "description": description,
            "date_is_month_only": date_is_month_only,
        },
    )
    return milestone


@transaction.atomic
def milestone_update(
    *, actor: Actor, milestone: EuMilestone, data: Mapping[str, Any]
) -> EuMilestone:
    require_officer(actor)
    stored = EuMilestone.objects.select_for_update().get(pk=milestone.pk)
    stored, _ = model_update(instance=stored, fields=MILESTONE_FIELDS, data=data)
    return stored


@transaction.atomic
def milestone_delete(*, actor: Actor, milestone: EuMilestone) -> None:
    require_officer(actor)
    milestone.delete()


@transaction.atomic
def workstream_saving_record(
    *,
    actor: Actor,
    workstream: Workstream,
    council: Council,
    financial_year: str,
    kind: str,
    amount: Decimal,
    recurrence: str = Recurrence.ONE_OFF,
    evidence: str = "",
    note: str = "",
    verified: bool = False,
    reported_on: date | None = None,
    verified_at: datetime | None = None,
) -> WorkstreamSaving:
    """Record a saving the workstream generated, as a savings fact of the
    procurement strand, reported on `reported_on` and verified at
    `verified_at` (today and now if not given)."""
    require_officer(actor)
    entry = savings_entry_record(
        strand=Strand.objects.get(key="procurement"),
        council=council,
        financial_year=financial_year,
        kind=kind,
        amount=amount,
        recurrence=recurrence,
        evidence=evidence,
        verified=verified,
        actor=actor,
        reported_on=reported_on,
        verified_at=verified_at,
    )
    return WorkstreamSaving.objects.create(workstream=workstream, savings_entry=entry, note=note)


@transaction.atomic
def workstream_saving_delete(*, actor: Actor, saving: WorkstreamSaving) -> None:
    require_officer(actor)
    entry = saving.savings_entry
    saving.delete()
    savings_entry_delete(entry=entry, actor=actor)
