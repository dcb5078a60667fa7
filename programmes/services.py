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

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction

from programmes import audit
from programmes.models import Council, Strand, User
from programmes.permissions import Actor, require_officer
from programmes.register import CouncilEntry
from programmes.roles import APPLICANT, OFFICER, ROLES
from programmes.selectors import council_successors_problem
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
    "created_on",
    "abolished_on",
    "abolition_note",
    "register_code",
    "successors",
)


def _successors_check(council: Council, data: Mapping[str, Any]) -> None:
    """Refuse successors the register cannot hold (programmes.selectors)."""
    if "successors" in data:
        successors = list(data["successors"])
    elif council.pk is not None and "abolished_on" in data:
        successors = list(council.successors.all())
    else:
        return
    problem = council_successors_problem(
        council=council, successors=successors, abolished_on=council.abolished_on
    )
    if problem:
        raise ValidationError({"successors": problem})


@transaction.atomic
def council_upsert(
    *,
    gss_code: str,
    name: str,
    short_name: str,
    kind: str,
    region: str,
    created_on: date | None = None,
    abolished_on: date | None = None,
    abolition_note: str = "",
    register_code: str = "",
    successors: Iterable[Council] | None = None,
    actor: Actor,
) -> Council:
    """Create or update the council with this GSS code (the official identity).
    Its successors are set when given, and left as they are when not."""
    require_officer(actor)
    council = Council.objects.select_for_update().filter(gss_code=gss_code).first() or Council(
        gss_code=gss_code
    )
    data: dict[str, Any] = {
        "name": name,
        "short_name": short_name,
        "kind": kind,
        "region": region,
        "created_on": created_on,
        "abolished_on": abolished_on,
        "abolition_note": abolition_note,
        "register_code": register_code,
    }
    if successors is not None:
        data["successors"] = list(successors)
    council, _ = model_update(
        instance=council,
        fields=COUNCIL_FIELDS,
        data={k: v for k, v in data.items() if k != "successors"},
    )
    _successors_check(council, data)
    council, _ = model_update(instance=council, fields=["successors"], data=data)
    return council


@transaction.atomic
def council_update(*, council: Council, data: Mapping[str, Any], actor: Actor) -> Council:
    """Change a council's fields (its GSS code too: a correction, where the
    upsert would make a second council) and its successors."""
    require_officer(actor)
    stored = Council.objects.select_for_update().get(pk=council.pk)
    fields = [name for name in COUNCIL_FIELDS if name != "successors"]
    stored, _ = model_update(instance=stored, fields=fields, data=data)
    _successors_check(stored, data)
    stored, _ = model_update(instance=stored, fields=["successors"], data=data)
    return stored


@dataclasses.dataclass
class RegisterChanges:
    """What loading a register file did (or, in a dry run, would do)."""

    added: list[str] = dataclasses.field(default_factory=list)
    # (council, [(field, old, new)])
    changed: list[tuple[str, list[tuple[str, str, str]]]] = dataclasses.field(default_factory=list)
    # (council, old successors, new successors), by name
    successors: list[tuple[str, list[str], list[str]]] = dataclasses.field(default_factory=list)
    # Councils the portal holds that the file does not: kept, never deleted.
    missing: list[str] = dataclasses.field(default_factory=list)
    unchanged: int = 0

    def lines(self) -> list[str]:
        said = [f"Added {name}" for name in self.added]
        for name, fields in self.changed:
            said += [
                f"Changed {name}: {f} {old or '(blank)'} -> {new or '(blank)'}"
                for f, old, new in fields
            ]
        for name, old, new in self.successors:
            before, after = ", ".join(old) or "(none)", ", ".join(new) or "(none)"
            said.append(f"Successors of {name}: {before} -> {after}")
        said += [f"Not in the file, kept: {name}" for name in self.missing]
        return said


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


@transaction.atomic
def councils_load(*, entries: Sequence[CouncilEntry], actor: Actor) -> RegisterChanges:
    """Bring the register in line with a file's entries (programmes/register.py):
    add the councils it has that the portal does not, change the fields that
    differ, then set each listed council's successors (a blank cell: none).
    A council the portal holds that the file does not is reported, never
    deleted: bids, facts and users may refer to it (docs/councils.md).
    All or nothing: a problem on any line raises ValidationError naming each
    line, and nothing is written."""
    require_officer(actor)
    changes = RegisterChanges()
    problems: list[str] = []
    fields = [name for name in COUNCIL_FIELDS if name != "successors"]
    with audit.through(audit.IMPORT):
        for entry in entries:
            stored = Council.objects.select_for_update().filter(gss_code=entry.gss_code).first()
            before = {name: _shown(getattr(stored, name)) for name in fields} if stored else {}
            try:
                council, touched = model_update(
                    instance=stored or Council(), fields=fields, data=entry.data
                )
            except ValidationError as exc:
                problems += [f"line {entry.line} ({entry.gss_code}): {m}" for m in exc.messages]
                continue
            if stored is None:
                changes.added.append(council.name)
            elif touched:
                after = {name: _shown(getattr(council, name)) for name in fields}
                changes.changed.append(
                    (
                        council.name,
                        [(n, before[n], after[n]) for n in fields if before[n] != after[n]],
                    )
                )
            else:
                changes.unchanged += 1
        if problems:
            raise ValidationError(problems)
        by_code = {c.gss_code: c for c in Council.objects.filter(gss_code__in=_codes(entries))}
        for entry in entries:
            if entry.successors is None:
                continue
            council = by_code[entry.gss_code]
            unknown = [code for code in entry.successors if code not in by_code]
            if unknown:
                problems.append(
                    f"line {entry.line} ({entry.gss_code}): no council has the code "
                    f"{', '.join(unknown)}"
                )
                continue
            new = [by_code[code] for code in entry.successors]
            old = sorted(c.name for c in council.successors.all())
            try:
                _successors_check(council, {"successors": new})
            except ValidationError as exc:
                problems += [f"line {entry.line} ({entry.gss_code}): {m}" for m in exc.messages]
                continue
            _, touched = model_update(
                instance=council, fields=["successors"], data={"successors": new}
            )
            if touched:
                changes.successors.append((council.name, old, sorted(c.name for c in new)))
        if problems:
            raise ValidationError(problems)
    changes.missing = list(
        Council.objects.exclude(gss_code__in=[e.gss_code for e in entries])
        .order_by("name")
        .values_list("name", flat=True)
    )
    return changes


def _codes(entries: Sequence[CouncilEntry]) -> set[str]:
    codes = {entry.gss_code for entry in entries}
    for entry in entries:
        codes.update(entry.successors or ())
    return codes


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
