"""Writes to the procurement workstreams. Keyword-only, one transaction each.

Savings a workstream generates are savings facts: they go through
`savings.services` (which marks the rollup outbox), linked to the workstream.

Who may act (programmes/permissions.py): LGA officers only, for every write
here (`require_officer`); `actor` is required, the demo passes `DEMO`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from programmes.models import Council, Strand
from programmes.permissions import Actor, require_officer
from programmes.procurement.models import (
    RAG,
    Activity,
    BoardMemberKind,
    EuMilestone,
    Objective,
    ProgrammeBoardMember,
    ReportingDeadline,
    Workstream,
    WorkstreamIssue,
    WorkstreamSaving,
)
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
) -> Workstream:
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
    # The lead council always sits on its programme board.
    ProgrammeBoardMember.objects.get_or_create(
        workstream=workstream,
        kind=BoardMemberKind.COUNCIL,
        council=lead_council,
        defaults={"role": "Lead"},
    )
    return workstream


@transaction.atomic
def board_member_add(
    *,
    actor: Actor,
    workstream: Workstream,
    kind: str,
    council: Council | None = None,
    organisation: str = "",
    role: str = "Member",
) -> ProgrammeBoardMember:
    require_officer(actor)
    member, _ = ProgrammeBoardMember.objects.get_or_create(
        workstream=workstream,
        kind=kind,
        council=council,
        organisation=organisation,
        defaults={"role": role},
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
) -> Activity:
    require_officer(actor)
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
    *, actor: Actor, workstream: Workstream, report_to: str, due_on: date, description: str = ""
) -> ReportingDeadline:
    require_officer(actor)
    deadline, _ = ReportingDeadline.objects.update_or_create(
        workstream=workstream,
        report_to=report_to,
        defaults={"due_on": due_on, "description": description},
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
) -> WorkstreamSaving:
    """Record a saving the workstream generated, as a savings fact of the procurement strand."""
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
    )
    return WorkstreamSaving.objects.create(workstream=workstream, savings_entry=entry, note=note)


@transaction.atomic
def workstream_saving_delete(*, actor: Actor, saving: WorkstreamSaving) -> None:
    require_officer(actor)
    entry = saving.savings_entry
    saving.delete()
    savings_entry_delete(entry=entry, actor=actor)
