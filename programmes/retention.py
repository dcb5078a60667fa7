"""Retention, the core's part: deactivated accounts and the audit trail.

A deactivated account keeps its row (bids, events, scores and savings facts
point at it) but loses what identifies the person: name, email, username,
password, two-factor devices and sign-in attempts. The audit trail
(django-auditlog) keeps that a change happened and who made it, but the old
and new values of personal fields, and the address a person worked from, are
replaced by REMOVED: otherwise the log would keep what retention removed.

Bids are handled by `applications.retention`, which calls the helpers here
for their audit entries (imports point down: the core never imports bids).
Decisions and the table of what is kept: docs/security.md, "Retention".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from auditlog import get_logentry_model
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django_otp import devices_for_user

from programmes.models import Invitation, User
from programmes.permissions import Actor, require_officer

# What a removed value reads as, in the audit trail and in kept rows.
REMOVED = "[removed]"
# Values that hold nothing to remove: left as they are, so the trail still
# shows a field going from empty to filled.
_EMPTY = (None, "", "None", REMOVED)

# A deactivated account is anonymised only once it has not been used for this
# long (its last sign-in, or its creation if it never signed in): a grace
# period in which an account deactivated by mistake can be reactivated. There
# is no record of when an account was deactivated, so its last use stands in.
ACCOUNT_GRACE = timedelta(days=30)
ANONYMISED_PREFIX = "anonymised-"
# Fields of a user that name or reach the person (also scrubbed from any audit
# entries about the user row itself).
USER_PERSONAL_FIELDS = ("username", "first_name", "last_name", "email", "password")
INVITATION_PERSONAL_FIELDS = ("first_name", "last_name", "email")


def years_before(moment: datetime, years: int) -> datetime:
    """The same calendar moment `years` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def _scrub_value(value):
    return value if value in _EMPTY else REMOVED


def _scrubbed_changes(changes, fields: Iterable[str]):
    """`changes` ({"field": [old, new]}) with the old and new values of
    `fields` replaced; other fields (money, states, ids) stay as they were."""
    if not isinstance(changes, dict):
        return changes
    scrubbed = dict(changes)
    for name in fields:
        pair = scrubbed.get(name)
        if isinstance(pair, list):
            scrubbed[name] = [_scrub_value(value) for value in pair]
        elif pair is not None and not isinstance(pair, dict):
            scrubbed[name] = _scrub_value(pair)
    return scrubbed


def audit_scrub(
    *,
    model: type[models.Model],
    object_ids: Iterable[int],
    fields: Iterable[str],
    scrub_repr: bool = False,
) -> int:
    """Remove the values of `fields` from every audit entry of these rows;
    with `scrub_repr`, also the row's name as the entry shows it (a
    document's file name). Returns how many entries changed: none on a re-run.

    Entries are written with `update()`: a save would run auditlog's and our
    own receivers on the entry (the middleware's actor stamp among them).
    """
    ids = list(object_ids)
    if not ids:
        return 0
    fields = list(fields)
    LogEntry = get_logentry_model()
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id__in=ids,
    ).only("pk", "changes", "object_repr", "serialized_data", "changes_text")
    changed = 0
    for entry in entries:
        values: dict = {}
        changes = _scrubbed_changes(entry.changes, fields)
        if changes != entry.changes:
            values["changes"] = changes
        if scrub_repr and entry.object_repr != REMOVED:
            values["object_repr"] = REMOVED
        # A full copy of the row, if serialisation is ever turned on.
        if entry.serialized_data is not None:
            values["serialized_data"] = None
        if entry.changes_text:
            values["changes_text"] = ""
        if values:
            LogEntry.objects.filter(pk=entry.pk).update(**values)
            changed += 1
    return changed


def audit_scrub_actor(*, user: User) -> int:
    """Keep the entries a person made (and that it was them, now under the
    anonymised username) but not their email or the address they used."""
    LogEntry = get_logentry_model()
    return (
        LogEntry.objects.filter(actor=user)
        .filter(
            Q(actor_email__isnull=False)
            | Q(remote_addr__isnull=False)
            | Q(remote_port__isnull=False)
        )
        .update(actor_email=None, remote_addr=None, remote_port=None)
    )


def is_anonymised(user: User) -> bool:
    return user.username == f"{ANONYMISED_PREFIX}{user.pk}"


def accounts_due(*, now: datetime) -> QuerySet[User]:
    """Deactivated accounts not used for ACCOUNT_GRACE, not yet anonymised."""
    unused_since = now - ACCOUNT_GRACE
    return (
        User.objects.filter(is_active=False)
        .filter(
            Q(last_login__lt=unused_since)
            | Q(last_login__isnull=True, date_joined__lt=unused_since)
        )
        .exclude(username__startswith=ANONYMISED_PREFIX)
        .order_by("pk")
    )


@dataclass
class AccountAnonymised:
    old_email: str
    audit_entries: int


@transaction.atomic
def account_anonymise(*, user: User, actor: Actor) -> AccountAnonymised | None:
    """Remove what identifies a deactivated account's person; None when there
    is nothing to do (already anonymised, or reactivated meanwhile)."""
    require_officer(actor)
    # Locked and read again: a colleague may have reactivated the account, or
    # a second run anonymised it, since the list was read.
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active or is_anonymised(user):
        return None
    old_username, old_email = user.username, user.email
    user.username = f"{ANONYMISED_PREFIX}{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    # Authenticator secrets and backup codes belong to the person's phone.
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    # Sign-in attempts are kept by username and address.
    for attempts in (AccessAttempt, AccessFailureLog, AccessLog):
        attempts.objects.filter(username=old_username).delete()
    # The invitation that made the account, and any others to the same
    # address, name the person too.
    invitations = list(
        Invitation.objects.select_for_update().filter(
            Q(user=user) | Q(email__iexact=old_email) if old_email else Q(user=user)
        )
    )
    for invitation in invitations:
        invitation.first_name = invitation.last_name = REMOVED
        invitation.email = f"{ANONYMISED_PREFIX}{user.pk}@invalid.example"
        invitation.save(update_fields=["first_name", "last_name", "email"])
    entries = (
        audit_scrub_actor(user=user)
        + audit_scrub(
            model=User, object_ids=[user.pk], fields=USER_PERSONAL_FIELDS, scrub_repr=True
        )
        + audit_scrub(
            model=Invitation,
            object_ids=[invitation.pk for invitation in invitations],
            fields=INVITATION_PERSONAL_FIELDS,
            scrub_repr=True,
        )
    )
    return AccountAnonymised(old_email=old_email, audit_entries=entries)
