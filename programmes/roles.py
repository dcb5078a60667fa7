"""Roles are Django groups. This module names them and grants their permissions.

- Council applicant: no model permissions; everything they see is scoped to
  their own council by the access helpers in each app.
- LGA officer: staff; every permission on the programme's own apps (the admin
  is their workspace), and view-only on the audit trail.
  Also django-axes's sign-in attempts and lockouts, so that an officer can
  lift a lockout (delete the attempt) for a council user locked out.
- Board member: view permissions only, for dashboards; never writes.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from programmes.strands import strands

APPLICANT = "Council applicant"
OFFICER = "LGA officer"
BOARD_MEMBER = "Board member"
ROLES = (APPLICANT, OFFICER, BOARD_MEMBER)

# The project's own apps (by app label), with every installed strand's app
# (programme_app_labels); Django's own are left to superusers.
CORE_APP_LABELS = (
    "programmes",
    "notices",
    "public",
    "board",
    "applications",
    "savings",
    "returns",
    "payments",
)
# Officers only: sign-in attempts carry usernames and IP addresses.
OFFICER_ONLY_APP_LABELS = ("axes",)


def programme_app_labels() -> tuple[str, ...]:
    return CORE_APP_LABELS + tuple(spec.app_label for spec in strands().values())


@transaction.atomic
def groups_sync() -> dict[str, Group]:
    """Create the role groups and set their permissions. Safe to run again."""
    labels = programme_app_labels()
    programme_perms = Permission.objects.filter(content_type__app_label__in=labels)
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    groups[APPLICANT].permissions.clear()
    officer_perms = Permission.objects.filter(
        content_type__app_label__in=labels + OFFICER_ONLY_APP_LABELS
    )
    # The audit trail is evidence: officers read it and never change or
    # delete it (the library's admin refuses those to everyone).
    audit_view = Permission.objects.filter(
        content_type__app_label="auditlog", codename__startswith="view_"
    )
    # "Manages accounts" is given to named officers, never to the group.
    # So is "decides awards" (the scheme of delegation, applications.workflow).
    officer_perms = officer_perms.exclude(
        content_type__app_label="programmes", codename="manage_accounts"
    ).exclude(content_type__app_label="applications", codename="decide_awards")
    # So are money out's budget holders and LGA finance (docs/money.md).
    officer_perms = officer_perms.exclude(
        content_type__app_label="payments", codename__in=["commit_over_budget", "record_payments"]
    )
    groups[OFFICER].permissions.set([*officer_perms, *audit_view])
    groups[BOARD_MEMBER].permissions.set(programme_perms.filter(codename__startswith="view_"))
    return groups


def user_role(user) -> str | None:
    """The one role that decides where a user lands; None for anonymous users."""
    if not user.is_authenticated:
        return None
    if user.is_superuser or user.has_role(OFFICER):
        return OFFICER
    if user.has_role(BOARD_MEMBER):
        return BOARD_MEMBER
    if user.has_role(APPLICANT) and user.council_id is not None:
        return APPLICANT
    return None
