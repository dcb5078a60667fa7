"""Writes to the core records. Keyword-only, one transaction each.

Who may act (programmes/permissions.py): LGA officers (`require_officer`);
in practice the demo loader (`DEMO`) and management commands (`SYSTEM`).
`strands_sync` is internal: it copies the strand registry in code into the
database (migrations, the demo, test set-up), with no user input.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from programmes.models import Council, Strand, User
from programmes.permissions import Actor, require_officer
from programmes.roles import APPLICANT, OFFICER, ROLES
from programmes.strands import strands


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
    council.name = name
    council.short_name = short_name
    council.kind = kind
    council.region = region
    council.abolished_on = abolished_on
    council.abolition_note = abolition_note
    council.register_code = register_code
    council.full_clean()
    council.save()
    return council


@transaction.atomic
def strands_sync() -> list[Strand]:
    """One Strand row per registry entry, named and ordered as the registry says."""
    rows = []
    for order, spec in enumerate(strands().values(), start=1):
        strand, _ = Strand.objects.update_or_create(
            key=spec.key, defaults={"name": spec.name, "display_order": order}
        )
        rows.append(strand)
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
