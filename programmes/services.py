"""Writes to the core records, and the one helper every service uses to
change a record's fields (`model_update`). Keyword-only, one transaction each.

Who may act (programmes/permissions.py): LGA officers (`require_officer`);
in practice the demo loader (`DEMO`), management commands (`SYSTEM`) and the
admin (`request.user`). `strands_sync` is internal: it copies the strand
registry in code into the database (migrations, the demo, test set-up), with
no user input. `model_update` is internal too: services call it after their
own check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction

from programmes.models import Council, Strand, User
from programmes.permissions import Actor, require_officer
from programmes.roles import APPLICANT, OFFICER, ROLES
from programmes.strands import strands
from programmes.versions import BOARD, version_bump

M = TypeVar("M", bound=models.Model)


def _current(instance: models.Model, field: models.Field, value: Any) -> tuple[Any, Any]:
    """The stored and the new value of one field, in comparable form: a
    foreign key by its id (no query for the related row)."""
    if field.many_to_one or field.one_to_one:
        new = value.pk if isinstance(value, models.Model) else value
        return getattr(instance, field.attname), new
    return getattr(instance, field.name), value


def model_update(
    *,
    instance: M,
    fields: Iterable[str],
    data: Mapping[str, Any],
    clean: bool = True,
) -> tuple[M, bool]:
    """Set those of `fields` that `data` holds and that differ, validate, and
    save only them; returns the row and whether anything changed.

    The one way services write a record's fields (HackSoft's `model_update`):
    a save with `update_fields` still fires the model signals, so the audit
    trail (programmes/audit.py) records exactly the fields that changed, with
    their old and new values; nothing changed, nothing is written or logged.
    A row not yet stored is inserted with every listed field. Many-to-many
    fields are set after the save, and only when their members differ.
    `auto_now` fields (`updated_at`) are saved with any change. Call it inside
    the service's transaction, after the service's own checks; `clean=False`
    where the service has validated the row itself.
    """
    opts = instance._meta
    adding = instance._state.adding or instance.pk is None
    changed: list[str] = []
    many: dict[str, list[Any]] = {}
    for name in fields:
        if name not in data:
            continue
        field = opts.get_field(name)
        if field.many_to_many:
            many[name] = list(data[name])
            continue
        assert isinstance(field, models.Field) and field.concrete, f"{name} is not a column"
        stored, new = _current(instance, field, data[name])
        if adding or stored != new:
            setattr(instance, name, data[name])
            changed.append(name)
    if changed or adding:
        if clean:
            instance.full_clean(exclude=list(many))
        if adding:
            instance.save()
        else:
            stamps = [
                field.name
                for field in opts.concrete_fields
                if getattr(field, "auto_now", False) and field.name not in changed
            ]
            instance.save(update_fields=[*changed, *stamps])
    for name, members in many.items():
        manager = getattr(instance, name)
        if adding or {member.pk for member in manager.all()} != {m.pk for m in members}:
            manager.set(members)
            changed.append(name)
    return instance, bool(changed) or adding


COUNCIL_FIELDS = (
    "gss_code",
    "name",
    "short_name",
    "kind",
    "region",
    "abolished_on",
    "abolition_note",
    "register_code",
)


@transaction.atomic
def council_upsert(
    *,
    gss_code: str,
    name: str,
    short_name: str,
    kind: str,
    region: str,
    abolished_on: date | None = None,
    abolition_note: str = "",
    register_code: str = "",
    actor: Actor,
) -> Council:
    """Create or update the council with this GSS code (the official identity)."""
    require_officer(actor)
    council = Council.objects.filter(gss_code=gss_code).first() or Council(gss_code=gss_code)
    council, _ = model_update(
        instance=council,
        fields=COUNCIL_FIELDS,
        data={
            "name": name,
            "short_name": short_name,
            "kind": kind,
            "region": region,
            "abolished_on": abolished_on,
            "abolition_note": abolition_note,
            "register_code": register_code,
        },
    )
    return council


@transaction.atomic
def council_update(*, council: Council, data: Mapping[str, Any], actor: Actor) -> Council:
    """Change a council's fields (its GSS code too: a correction, where the
    upsert would make a second council)."""
    require_officer(actor)
    stored = Council.objects.select_for_update().get(pk=council.pk)
    stored, _ = model_update(instance=stored, fields=COUNCIL_FIELDS, data=data)
    return stored


@transaction.atomic
def council_delete(*, council: Council, actor: Actor) -> None:
    """Delete a council nothing refers to (bids, facts and users protect it)."""
    require_officer(actor)
    council.delete()


@transaction.atomic
def strand_update(*, strand: Strand, data: Mapping[str, Any], actor: Actor) -> Strand:
    """Rename or reorder a strand. Its key is the registry's (programmes/strands.py)."""
    require_officer(actor)
    stored = Strand.objects.select_for_update().get(pk=strand.pk)
    stored, changed = model_update(
        instance=stored, fields=("key", "name", "display_order"), data=data
    )
    if changed:
        version_bump(BOARD)  # the board's cached bid counts name the strands
    return stored


@transaction.atomic
def strands_sync() -> list[Strand]:
    """One Strand row per registry entry, named and ordered as the registry says."""
    before = list(Strand.objects.order_by("pk").values_list("key", "name", "display_order"))
    rows = []
    for order, spec in enumerate(strands().values(), start=1):
        strand, _ = Strand.objects.update_or_create(
            key=spec.key, defaults={"name": spec.name, "display_order": order}
        )
        rows.append(strand)
    if before != list(Strand.objects.order_by("pk").values_list("key", "name", "display_order")):
        version_bump(BOARD)  # the board's cached bid counts name the strands
    return rows


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    council: Council | None = None,
    actor: Actor,
) -> User:
    require_officer(actor)
    if role not in ROLES:
        raise ValidationError({"role": f"Choose one of: {', '.join(ROLES)}"})
    if role == APPLICANT and council is None:
        raise ValidationError({"council": "A council applicant must belong to a council"})
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        council=council,
        is_staff=(role == OFFICER),
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user
