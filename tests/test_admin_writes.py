"""One way to write: every change to a record goes through a service that
takes the actor, the admin's included (docs/architecture.md, "Writes").

`model_update` is the helper those services change fields with; the admins'
saves, deletes and inlines call the services, so the audit trail names the
officer and the services' rules hold in the admin too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from programmes import accounts
from programmes import services as core
from programmes.asce import services as asce
from programmes.experts import services as experts
from programmes.growth import services as growth
from programmes.growth.models import AdviserSource
from programmes.ope import services as ope
from programmes.ope.models import Event, EventKind
from programmes.permissions import SYSTEM
from programmes.procurement import services as procurement
from programmes.procurement.models import BoardMemberKind, MilestoneStatus, ProgrammeBoardMember
from programmes.public import services as public
from programmes.roles import APPLICANT
from tests.factories import (
    CaseStudyFactory,
    CouncilFactory,
    InitiativeFactory,
    PilotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# model_update ---------------------------------------------------------------


def test_model_update_saves_only_the_fields_that_differ_and_the_trail_says_so(council_a):
    pilot = PilotFactory(council=council_a, wave=1, partner_bodies="NHS trusts")
    pilot, changed = core.model_update(
        instance=pilot,
        fields=["wave", "partner_bodies"],
        data={"wave": 2, "partner_bodies": "NHS trusts"},
    )
    assert changed
    pilot.refresh_from_db()
    assert pilot.wave == 2
    entry = LogEntry.objects.get_for_object(pilot).order_by("-pk").first()
    assert set(entry.changes_dict) == {"wave"}


def test_model_update_writes_nothing_when_nothing_differs(council_a, django_assert_num_queries):
    pilot = PilotFactory(council=council_a, wave=1)
    logged = LogEntry.objects.count()
    with django_assert_num_queries(0):
        _, changed = core.model_update(
            instance=pilot, fields=["wave", "council"], data={"wave": 1, "council": council_a}
        )
    assert not changed
    assert LogEntry.objects.count() == logged


def test_model_update_leaves_out_fields_it_is_not_given(council_a):
    pilot = PilotFactory(council=council_a, wave=1, partner_bodies="NHS trusts")
    core.model_update(instance=pilot, fields=["wave"], data={"wave": 3, "partner_bodies": "x"})
    pilot.refresh_from_db()
    assert (pilot.wave, pilot.partner_bodies) == (3, "NHS trusts")


def test_model_update_validates_before_it_saves():
    council = CouncilFactory(short_name="Before")
    with pytest.raises(ValidationError):
        core.model_update(instance=council, fields=["short_name"], data={"short_name": "x" * 500})
    council.refresh_from_db()
    assert council.short_name == "Before"


def test_model_update_inserts_a_new_row_and_sets_many_to_many_only_when_it_differs(
    council_a, council_b
):
    data = {
        "title": "Pilots' workshop",
        "kind": EventKind.WORKSHOP,
        "held_on": date(2013, 10, 1),
        "councils": [council_a],
    }
    event, changed = core.model_update(instance=Event(), fields=ope.EVENT_FIELDS, data=data)
    assert changed and event.pk
    assert list(event.councils.all()) == [council_a]
    _, changed = core.model_update(instance=event, fields=["councils"], data=data)
    assert not changed
    _, changed = core.model_update(
        instance=event, fields=["councils"], data={"councils": [council_a, council_b]}
    )
    assert changed
    assert set(event.councils.all()) == {council_a, council_b}


# The admin's saves and deletes go through the services ----------------------


def _value(form: forms.BaseForm, name: str) -> dict[str, Any]:
    """What a browser posts for one field of a form as the page shows it."""
    value = form[name].value()
    widget = form.fields[name].widget
    key = form.add_prefix(name)
    if isinstance(widget, forms.MultiWidget):
        parts = widget.decompress(value) if value not in (None, "") else []
        return {f"{key}_{i}": "" if part is None else str(part) for i, part in enumerate(parts)}
    if isinstance(value, bool):
        return {key: "on"} if value else {}
    if isinstance(value, list | tuple):
        return {key: [str(item) for item in value]}
    return {} if value is None else {key: str(value)}


def page_as_posted(client, url: str) -> dict[str, Any]:
    """The change page's form and inline formsets, posted back unchanged."""
    context = client.get(url).context
    form = context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        data |= _value(form, name)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        for management in (formset.management_form, *formset.forms):
            for name in management.fields:
                data |= _value(management, name)
    return data


def _workstream(council):
    return procurement.workstream_upsert(slug="ict", name="ICT", lead_council=council, actor=SYSTEM)


def _asce_event():
    return asce.asce_event_upsert(title="ASCE summit", held_on=date(2014, 3, 1), actor=SYSTEM)


DELETES: dict[str, tuple[str, ModuleType, str, Callable[[Any], Any]]] = {
    "council": ("programmes_council", core, "council_delete", lambda c: CouncilFactory()),
    "account": (
        "programmes_user",
        accounts,
        "user_delete",
        lambda c: UserFactory(council=c, role=APPLICANT),
    ),
    "initiative": ("public_initiative", public, "initiative_delete", lambda c: InitiativeFactory()),
    "case study": (
        "experts_casestudy",
        experts,
        "case_study_delete",
        lambda c: CaseStudyFactory(council=c),
    ),
    "OPE event": (
        "ope_event",
        ope,
        "event_delete",
        lambda c: ope.event_save(
            title="Workshop", kind=EventKind.WORKSHOP, held_on=date(2013, 10, 1), actor=SYSTEM
        ),
    ),
    "ASCE event": ("asce_asceevent", asce, "asce_event_delete", lambda c: _asce_event()),
    "position report": (
        "asce_positionreport",
        asce,
        "position_report_delete",
        lambda c: asce.position_report_upsert(
            slug="interim",
            title="Interim position",
            report_date=date(2013, 7, 19),
            summary="Where councils stand.",
            actor=SYSTEM,
        ),
    ),
    "workstream": ("procurement_workstream", procurement, "workstream_delete", _workstream),
    "activity": (
        "procurement_activity",
        procurement,
        "workstream_part_delete",
        lambda c: procurement.activity_upsert(
            workstream=_workstream(c), title="Map frameworks", actor=SYSTEM
        ),
    ),
    "milestone": (
        "procurement_eumilestone",
        procurement,
        "milestone_delete",
        lambda c: procurement.milestone_upsert(
            title="Directive", due_on=date(2014, 1, 1), status=MilestoneStatus.DUE, actor=SYSTEM
        ),
    ),
}


@pytest.mark.parametrize("kind", sorted(DELETES))
def test_an_admin_delete_goes_through_the_service_with_the_officer(
    officer_client, officer, council_a, kind
):
    admin_name, module, service, make = DELETES[kind]
    row = make(council_a)
    with mock.patch.object(module, service, wraps=getattr(module, service)) as spy:
        response = officer_client.post(
            reverse(f"admin:{admin_name}_delete", args=[row.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert spy.call_count == 1
    assert spy.call_args.kwargs["actor"] == officer
    assert not type(row).objects.filter(pk=row.pk).exists()


def test_an_admin_edit_of_an_account_is_audited_as_the_officers_through_the_admin(
    officer_client, officer, applicant_a
):
    url = reverse("admin:programmes_user_change", args=[applicant_a.pk])
    data = page_as_posted(officer_client, url)
    del data["is_active"]
    with mock.patch.object(accounts, "user_update", wraps=accounts.user_update) as spy:
        response = officer_client.post(url, data)
    assert response.status_code == 302
    assert spy.call_args.kwargs["actor"] == officer
    applicant_a.refresh_from_db()
    assert not applicant_a.is_active
    entry = LogEntry.objects.get_for_object(applicant_a).order_by("-pk").first()
    assert entry.actor == officer
    assert entry.additional_data["through"] == "admin"
    assert set(entry.changes_dict) == {"is_active"}


def test_the_account_service_refuses_an_officer_raising_someone_whatever_calls_it(
    officer, applicant_a
):
    with pytest.raises(PermissionDenied):
        accounts.user_update(actor=officer, user=applicant_a, data={"is_staff": True})
    applicant_a.refresh_from_db()
    assert not applicant_a.is_staff


def test_an_adviser_renamed_in_the_admin_is_changed_by_adviser_update(officer_client, officer):
    adviser = growth.adviser_upsert(
        name="Casey Covers",
        source=AdviserSource.BUSINESS,
        expertise=["support_strategy"],
        actor=SYSTEM,
    )
    url = reverse("admin:growth_adviser_change", args=[adviser.pk])
    data = {**page_as_posted(officer_client, url), "name": "Casey Cover"}
    with mock.patch.object(growth, "adviser_update", wraps=growth.adviser_update) as spy:
        assert officer_client.post(url, data).status_code == 302
    assert spy.call_args.kwargs["actor"] == officer
    adviser.refresh_from_db()
    assert adviser.name == "Casey Cover"


def test_an_events_presentations_are_added_changed_and_removed_through_the_services(
    officer_client, officer, council_a
):
    event = _asce_event()
    kept = asce.presentation_set(
        event=event, topic="Reablement", display_order=1, council=council_a, actor=SYSTEM
    )
    gone = asce.presentation_set(
        event=event, topic="Telecare", display_order=2, organisation="TEASC", actor=SYSTEM
    )
    url = reverse("admin:asce_asceevent_change", args=[event.pk])
    data = page_as_posted(officer_client, url)
    data |= {
        "presentations-0-topic": "Reablement at home",
        "presentations-1-DELETE": "on",
        "presentations-TOTAL_FORMS": "3",
        "presentations-2-display_order": "3",
        "presentations-2-organisation": "NEPO",
        "presentations-2-topic": "Buying together",
        "presentations-2-event": str(event.pk),
    }
    spies = {
        name: mock.patch.object(asce, name, wraps=getattr(asce, name))
        for name in ("presentation_update", "presentation_delete", "presentation_set")
    }
    called = {name: patcher.start() for name, patcher in spies.items()}
    try:
        response = officer_client.post(url, data)
    finally:
        mock.patch.stopall()
    assert response.status_code == 302
    assert all(spy.call_args.kwargs["actor"] == officer for spy in called.values())
    assert list(event.presentations.values_list("topic", flat=True)) == [
        "Reablement at home",
        "Buying together",
    ]
    kept.refresh_from_db()
    assert kept.topic == "Reablement at home"
    assert not type(gone).objects.filter(pk=gone.pk).exists()


# Rules the admin used to bypass ----------------------------------------------


def test_a_new_lead_council_set_in_the_admin_joins_the_workstreams_board(
    officer_client, council_a, council_b
):
    workstream = _workstream(council_a)
    url = reverse("admin:procurement_workstream_change", args=[workstream.pk])
    data = {**page_as_posted(officer_client, url), "lead_council": str(council_b.pk)}
    assert officer_client.post(url, data).status_code == 302
    assert workstream.board_members.filter(kind=BoardMemberKind.COUNCIL, council=council_b).exists()


def test_the_lead_councils_board_seat_cannot_be_removed_in_the_admin(officer_client, council_a):
    workstream = _workstream(council_a)
    url = reverse("admin:procurement_workstream_change", args=[workstream.pk])
    data = {**page_as_posted(officer_client, url), "board_members-0-DELETE": "on"}
    response = officer_client.post(url, data, follow=True)
    assert "The lead council sits on its workstream" in response.content.decode()
    assert ProgrammeBoardMember.objects.filter(workstream=workstream, council=council_a).exists()


# The rule, for every admin under programmes/ ------------------------------------

WRITES = ("save_model", "delete_model", "delete_queryset")


def _django_default(admin_class: type, name: str) -> bool:
    from django.contrib import admin
    from django.contrib.auth.admin import UserAdmin

    method = getattr(admin_class, name)
    return method in (getattr(admin.ModelAdmin, name), getattr(UserAdmin, name))


def test_no_programme_admin_leaves_a_write_to_djangos_defaults(rf):
    from django.contrib import admin

    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    left = []
    for model, model_admin in admin.site._registry.items():
        admin_class = type(model_admin)
        if not admin_class.__module__.startswith("programmes."):
            continue
        if not model.__module__.startswith("programmes."):
            continue  # the audit log's own entries, read-only
        may_save = model_admin.has_add_permission(request) or model_admin.has_change_permission(
            request
        )
        needed = ["save_model"] if may_save else []
        if model_admin.has_delete_permission(request):
            needed += ["delete_model", "delete_queryset"]
        if model_admin.inlines:
            needed.append("save_formset")
        left += [
            f"{admin_class.__name__}.{name}"
            for name in needed
            if _django_default(admin_class, name)
        ]
    assert left == []
