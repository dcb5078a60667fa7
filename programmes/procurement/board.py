"""The National Procurement Strategy on the board: workstreams by red, amber
and green status with their deadlines, the councils' board seats, and its
paper section."""

from __future__ import annotations

from datetime import date
from typing import Any

from programmes.board.charts import listed
from programmes.models import Council, Strand
from programmes.procurement import selectors
from programmes.procurement.models import BoardMemberKind, Workstream
from programmes.procurement.selectors import (
    eu_milestones,
    workstreams_for_paper,
    workstreams_with_status,
    workstreams_with_status_as_at,
)


def fill(page) -> None:
    """Workstreams with their status counts and deadlines, and the EU
    milestones, each as at the page's date if it has one (the milestones'
    state in words: `EuMilestone.status_on`): 3 queries (4 as at a date)."""
    if page.as_at is None:
        page.extra["workstreams"] = list(workstreams_with_status())
    else:
        page.extra["workstreams"] = workstreams_with_status_as_at(as_at=page.as_at)
    page.extra["eu_milestones"] = [
        (milestone, milestone.status_on(page.as_at)) for milestone in eu_milestones()
    ]
    if page.as_at is not None:
        page.undated.append(
            "each workstream's lead council, summary and key facts, and the outcome "
            "recorded for an EU milestone due by the date"
        )


def served(*, as_at: date | None = None) -> list[tuple[Council, str]]:
    """The councils leading the workstreams, each with its role, e.g.
    "Leads Energy" (para 22-24: Lincolnshire, Gloucestershire, Camden): 1
    query. A workstream's lead has no date of its own: the same at every `as_at`."""
    leads = Workstream.objects.select_related("lead_council").order_by("display_order", "name")
    return [(workstream.lead_council, f"Leads {workstream.name}") for workstream in leads]


def councils(*, as_at: date | None = None) -> int:
    """The councils taking part: those leading a workstream (1 query). A
    workstream's lead has no date of its own: the same at every `as_at`."""
    return Workstream.objects.values("lead_council").distinct().count()


def council_workstreams(council: Council, *, as_at: date | None = None) -> list[Workstream]:
    """The workstreams the council leads or has a programme-board seat on
    (taken by `as_at`, if given): 1 query."""
    return selectors.council_workstreams(council_id=council.pk, as_at=as_at)


def paper_paragraphs(strand: Strand, as_at: date) -> list[str]:
    """A paragraph per workstream (paras 22-24: its lead, programme board,
    context and facts, objectives, activities, issues and next report) and
    one per EU milestone as at the paper's date (paras 26-28): 7 queries."""
    paragraphs = [
        _workstream_paragraph(workstream, as_at)
        for workstream in workstreams_for_paper(as_at=as_at)
    ]
    for milestone in eu_milestones():
        # A milestone after the paper's date is expected, whatever happened later.
        on = "in" if milestone.date_is_month_only else "on"
        text = (
            f"EU procurement rules – {milestone.title}: "
            f"{milestone.status_on(as_at)} {on} {milestone.when}."
        )
        if milestone.description:
            text += f" {milestone.description.strip()}"
        paragraphs.append(text)
    return paragraphs or ["No procurement workstreams have been recorded yet."]


def _workstream_paragraph(workstream: Any, as_at: date) -> str:
    text = f"{workstream.name} (led by {workstream.lead_council.name})."
    others = [
        member.organisation
        for member in workstream.board_members.all()
        if member.kind != BoardMemberKind.COUNCIL
    ]
    text += (
        " A sector-led programme board has been established with representatives from "
        f"{listed(['councils', *others])}."
    )
    for told in (workstream.summary, workstream.key_facts):
        if told.strip():
            text += f" {told.strip()}"
    objectives = [objective.text.strip().rstrip(".") for objective in workstream.objectives.all()]
    objectives = [objective[:1].lower() + objective[1:] for objective in objectives]
    if objectives:
        text += f" {'Objectives' if len(objectives) > 1 else 'Objective'}: {'; '.join(objectives)}."
    activities = list(workstream.activities.all())
    if activities:
        titles = [activity.title[:1].lower() + activity.title[1:] for activity in activities]
        text += f" Current activities: {listed(titles)}."
    issues = [issue.description.strip().rstrip(".") for issue in workstream.issues.all()]
    if issues:
        text += f" Early issues: {listed([issue[:1].lower() + issue[1:] for issue in issues])}."
    upcoming = [d for d in workstream.deadlines.all() if d.due_on >= as_at and not d.met_then]
    if upcoming:
        deadline = upcoming[0]
        when = deadline.description.strip() or f"by {deadline.due_on:%-d %B %Y}"
        text += (
            f" The group is scheduled to report back to {deadline.report_to} "
            f"{when[:1].lower()}{when[1:]}."
        )
    return text
