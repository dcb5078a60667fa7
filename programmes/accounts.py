"""Accounts made by invitation, and switched off by officers or a council's lead.

An officer invites anyone: a council user of any council (and may make them
its lead), an officer or a board member. A council's lead invites council
users of their own council only, and cannot make leads. The invitation email
(a notice: programmes.notices) carries a one-time link that works for
`INVITATION_DAYS` days; only a hash of its token is stored, and the token is
made when the email is sent. Using the link makes the account (username: the email
address), with the invitation's role and council, and signs the person in.

Deactivating keeps the account and everything it did (bids, events, the
audit trail); the person can no longer sign in, and their sessions end.
Decisions: docs/security.md, "Invitations".
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from auditlog import get_logentry_model
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from programmes.models import Council, Invitation, InvitationStatus, User
from programmes.notices.models import LinkKind, Notice
from programmes.notices.services import (
    TOKEN_PLACEHOLDER,
    LinkUnavailable,
    link_maker,
    notices_record,
    notices_replace,
)
from programmes.permissions import (
    INVITATION,
    Actor,
    as_user,
    is_system,
    require_council_lead,
    require_manages_accounts,
    require_officer,
)
from programmes.roles import APPLICANT, OFFICER, ROLES, user_role
from programmes.services import model_update, user_create
from programmes.signedin import session_store
from programmes.validators import has_line_break

logger = logging.getLogger(__name__)

# Fields that make someone an administrator or give them permissions outside
# their role: only superusers change these (the admin shows them read-only to
# officers, and `user_update` refuses them).
SUPERUSER_ONLY_FIELDS = ("is_superuser", "is_staff", "user_permissions")
# What the user admin's change form may write.
USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
    "last_login",
    "date_joined",
    "council",
    "is_council_lead",
    "is_finance_officer",
)

# Usernames are the email address; Django's username column holds 150.
USERNAME_MAX = 150


class InvitationUnusable(Exception):
    """The link cannot make an account; `reason` is an InvitationStatus value,
    or "unknown" for a token that matches no invitation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("council").filter(token_hash=token_hash(token)).first()


def _acts_as_officer(actor: Actor) -> bool:
    return is_system(actor) or user_role(actor) == OFFICER


def email_has_account(email: str) -> bool:
    return User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists()


def invitation_check(
    *,
    actor: Actor,
    email: str,
    role: str,
    council: Council | None,
    is_council_lead: bool = False,
    is_finance_officer: bool = False,
) -> str:
    """The checks every invitation passes, for forms to show as field errors
    before the service runs them again. Returns the email as it is stored."""
    if role not in ROLES:
        raise ValidationError({"role": "Choose a role"})
    if role == APPLICANT:
        require_council_lead(actor, council.pk if council else None)
    else:
        require_officer(actor)
    if not _acts_as_officer(actor) and (role != APPLICANT or is_council_lead):
        raise PermissionDenied("A council's lead invites council users only")
    errors: dict[str, str] = {}
    if role == APPLICANT and council is None:
        errors["council"] = "Choose the council this person works for"
    if role != APPLICANT and council is not None:
        errors["council"] = "Leave the council empty for officers and board members"
    if is_council_lead and role != APPLICANT:
        errors["is_council_lead"] = "Only council users can be their council's lead"
    # A council's lead may invite its finance officer (who certifies its
    # savings returns, docs/savings.md); officers may too.
    if is_finance_officer and role != APPLICANT:
        errors["is_finance_officer"] = "Only council users can be their council's finance officer"
    if council is not None and council.is_abolished:
        errors["council"] = f"{council.name} has been abolished: choose another council"
    email = email.strip().lower()
    if len(email) > USERNAME_MAX:
        errors["email"] = f"Email address must be {USERNAME_MAX} characters or fewer"
    elif email_has_account(email):
        errors["email"] = (
            "There is already an account with this email address. If it has been "
            "switched off, ask the programme team at the LGA to switch it back on"
        )
    if errors:
        raise ValidationError(errors)
    return email


def _invitation_notice(invitation: Invitation, site_url: str) -> None:
    """Record the invitation's email as a notice (programmes.notices): sent
    after commit, retried like any notice, and listed with what became of it
    on the team page and in the admin. The body holds a placeholder where the
    link's token goes; the token is made when the email is sent
    (`_invitation_token`), so no usable link is stored. An email of this
    invitation still waiting to go is replaced: only the newest is sent."""
    link = site_url.rstrip("/") + reverse("invitation_accept", args=[TOKEN_PLACEHOLDER])
    context = {
        "invitation": invitation,
        "link": link,
        "service_name": settings.SERVICE_NAME,
    }
    notices_replace(invitation=invitation)
    notices_record(
        recipients=[invitation.email],
        subject=f"You are invited to the {settings.SERVICE_NAME}",
        body=render_to_string("programmes/emails/invitation.txt", context),
        audience="invitation",
        invitation=invitation,
        link_kind=LinkKind.INVITATION,
    )


@link_maker(LinkKind.INVITATION)
def _invitation_token(notice: Notice) -> str:
    """A fresh token for the invitation's link, made as its email is sent (in
    the notice's transaction): the link of any earlier email stops working."""
    invitation = (
        Invitation.objects.select_for_update().filter(pk=notice.invitation_id).first()
        if notice.invitation_id is not None
        else None
    )
    if invitation is None or invitation.status != InvitationStatus.WAITING:
        raise LinkUnavailable("the invitation is no longer waiting")
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.save(update_fields=["token_hash"])
    return token


@transaction.atomic
def password_reset_notice(*, user: User, email: str, subject: str, body: str) -> None:
    """A password reset email, as a notice: retried like any other, and the
    link's token made when it is sent (`_password_reset_token`)."""
    notices_record(
        recipients=[email],
        subject=subject,
        body=body,
        audience="password reset",
        account=user,
        link_kind=LinkKind.PASSWORD_RESET,
    )


@link_maker(LinkKind.PASSWORD_RESET)
def _password_reset_token(notice: Notice) -> str:
    """Django's reset token for the account, made as the email is sent: it
    stops working once the password changes or PASSWORD_RESET_TIMEOUT passes."""
    user = notice.account
    if user is None or not user.is_active or not user.has_usable_password():
        raise LinkUnavailable("the account can no longer reset its password")
    return default_token_generator.make_token(user)


def account_reset_record(*, actor: Actor, user: User, what: str, reason: str) -> None:
    """The trace of a reset of someone's account, in the caller's transaction:
    an audit entry (who, when, what, why) and an email to the account's owner,
    so a reset they did not ask for does not go unnoticed."""
    require_manages_accounts(actor, user)
    LogEntry = get_logentry_model()
    LogEntry.objects.log_create(
        user,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={what: ["set", "reset"]},
        actor=as_user(actor),
        additional_data={"reason": reason},
    )
    by = as_user(actor)
    context = {
        "user": user,
        "what": what,
        "reason": reason,
        "by": by.get_full_name() or by.username if by else "the portal",
        "service_name": settings.SERVICE_NAME,
    }
    notices_record(
        recipients=[user.email],
        subject=f"Your {what} has been reset",
        body=render_to_string("programmes/emails/account_reset.txt", context),
        audience="account",
        account=user,
    )


@transaction.atomic
def account_password_set(*, actor: Actor, user: User, password: str, reason: str) -> User:
    """An officer who manages accounts sets someone's password (the admin's
    "change password" form): the same rules as a second factor's reset, the
    password rules, every session of the account ends, and its owner is told."""
    require_manages_accounts(actor, user)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why their password is being set"})
    stored = User.objects.select_for_update().get(pk=user.pk)
    password_validation.validate_password(password, stored)
    stored.set_password(password)
    stored.save(update_fields=["password"])
    user_sessions_end(stored)
    account_reset_record(actor=actor, user=stored, what="password", reason=reason)
    return stored


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    return token


@transaction.atomic
def invitation_create(
    *,
    actor: Actor,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    site_url: str,
    council: Council | None = None,
    is_council_lead: bool = False,
    is_finance_officer: bool = False,
) -> Invitation:
    """Record the invitation and email its link after commit. A waiting
    invitation to the same address is revoked: only the newest link works."""
    email = invitation_check(
        actor=actor,
        email=email,
        role=role,
        council=council,
        is_council_lead=is_council_lead,
        is_finance_officer=is_finance_officer,
    )
    errors = {}
    if not first_name.strip():
        errors["first_name"] = "Enter a first name"
    elif has_line_break(first_name):
        errors["first_name"] = "Enter the first name on one line, without line breaks"
    if not last_name.strip():
        errors["last_name"] = "Enter a last name"
    elif has_line_break(last_name):
        errors["last_name"] = "Enter the last name on one line, without line breaks"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for waiting in Invitation.objects.select_for_update().filter(
        email=email, accepted_at=None, revoked_at=None
    ):
        waiting.revoked_at = now
        waiting.save(update_fields=["revoked_at"])
    invitation = Invitation(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        role=role,
        council=council,
        is_council_lead=is_council_lead,
        is_finance_officer=is_finance_officer,
        invited_by=as_user(actor),
    )
    # A token the email never carries: the column is unique and required, and
    # the email's own token is made when it is sent.
    _new_token(invitation)
    invitation.full_clean()
    invitation.save()
    _invitation_notice(invitation, site_url)
    return invitation


def _require_may_manage(actor: Actor, invitation: Invitation) -> None:
    if invitation.role == APPLICANT and not invitation.is_council_lead:
        require_council_lead(actor, invitation.council_id)
    else:
        require_officer(actor)


@transaction.atomic
def invitation_resend(*, actor: Actor, invitation: Invitation, site_url: str) -> Invitation:
    """A new link with a new expiry; the old link stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_may_manage(actor, invitation)
    if invitation.status not in (InvitationStatus.WAITING, InvitationStatus.EXPIRED):
        raise ValidationError(
            f"This invitation has been {invitation.get_status_display().lower()}: "
            "it cannot be sent again"
        )
    if email_has_account(invitation.email):
        raise ValidationError("There is already an account with this email address")
    _new_token(invitation)
    invitation.save(update_fields=["token_hash", "expires_at"])
    _invitation_notice(invitation, site_url)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_may_manage(actor, invitation)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has been accepted: deactivate the account instead")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_password_check(invitation: Invitation, password: str) -> None:
    """Django's validators (minimum 12 characters, not common, not all
    numbers, not like the person's name or email), for the future account."""
    future = User(
        username=invitation.email,
        email=invitation.email,
        first_name=invitation.first_name,
        last_name=invitation.last_name,
    )
    password_validation.validate_password(password, user=future)


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Make the account the invitation describes, once.

    The row lock makes a double-submitted form (or two tabs) take turns: the
    second finds the invitation accepted and makes nothing."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise InvitationUnusable("unknown")
    status = invitation.status
    if status != InvitationStatus.WAITING:
        raise InvitationUnusable(status)
    if email_has_account(invitation.email):
        # Made another way (the admin) since the invitation was sent.
        raise InvitationUnusable("account")
    try:
        invitation_password_check(invitation, password)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    # The invitation is the permission: an officer or the council's lead
    # made it, and the token proves the person is its addressee.
    user = user_create(
        actor=INVITATION,
        username=invitation.email,
        role=invitation.role,
        password=password,
        first_name=invitation.first_name,
        last_name=invitation.last_name,
        email=invitation.email,
        council=invitation.council,
    )
    # The council roles the invitation gives: its lead, its finance officer.
    granted = [
        name for name in ("is_council_lead", "is_finance_officer") if getattr(invitation, name)
    ]
    for name in granted:
        setattr(user, name, True)
    if granted:
        user.save(update_fields=granted)
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])
    return user


def user_sessions_end(user: User) -> int:
    """Delete every session signed in as `user`. Sessions are signed, not
    indexed by user, so each unexpired row is read; the idle limit keeps
    them few. Each is deleted through the session engine, not the table, so
    with cached sessions (`cached_db`) the cached copy goes too and the next
    request is signed out. (Django would also refuse an inactive user's, or
    a changed password's, session at its next request: the backend's
    get_user returns None for the first, the session's hash fails the second.)"""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session_store(session.session_key).delete()
            ended += 1
    return ended


@transaction.atomic
def user_deactivate(*, actor: Actor, user: User) -> User:
    """Switch the account off: no more sign-ins, sessions ended, records kept.

    Officers may switch off anyone but a superuser (unless they are one); a
    council's lead only council users of their own council, never themselves."""
    user = User.objects.select_for_update().get(pk=user.pk)
    require_council_lead(actor, user.council_id)
    acting = as_user(actor)
    if acting is not None and acting.pk == user.pk:
        raise ValidationError("You cannot deactivate your own account")
    if user.is_superuser and acting is not None and not acting.is_superuser:
        raise PermissionDenied("Only a superuser can deactivate a superuser")
    if not _acts_as_officer(actor) and user_role(user) != APPLICANT:
        raise PermissionDenied("A council's lead deactivates council users only")
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    user_sessions_end(user)
    return user


def _require_may_administer(actor: Actor, user: User) -> User | None:
    require_officer(actor)
    acting = as_user(actor)
    if user.is_superuser and acting is not None and not acting.is_superuser:
        raise PermissionDenied("Only a superuser can change a superuser's account")
    return acting


@transaction.atomic
def user_add(
    *, actor: Actor, username: str, password: str | None, council: Council | None = None
) -> User:
    """An account made in the admin (invitations are the usual way): with this
    password, or none usable when `password` is None."""
    require_officer(actor)
    user = User(username=username, council=council)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_update(*, actor: Actor, user: User, data: Mapping[str, Any]) -> User:
    """Change an account's details, switches and groups (the user admin).

    Officers may not touch a superuser's account, nor the fields that raise
    someone above an officer (SUPERUSER_ONLY_FIELDS); unticking "active"
    ends the person's sessions, as `user_deactivate` does."""
    stored = User.objects.select_for_update().get(pk=user.pk)
    acting = _require_may_administer(actor, stored)
    if acting is not None and not acting.is_superuser:
        current = {
            "is_superuser": stored.is_superuser,
            "is_staff": stored.is_staff,
            "user_permissions": set(stored.user_permissions.all()),
        }
        raised = [
            name
            for name in SUPERUSER_ONLY_FIELDS
            if name in data
            and (set(data[name]) if name == "user_permissions" else data[name]) != current[name]
        ]
        if raised:
            raise PermissionDenied(f"Only a superuser can change {', '.join(raised)}")
    was_active = stored.is_active
    stored, _ = model_update(instance=stored, fields=USER_FIELDS, data=data)
    if was_active and not stored.is_active:
        user_sessions_end(stored)
    return stored


@transaction.atomic
def user_delete(*, actor: Actor, user: User) -> None:
    """Delete an account (anonymising, programmes/retention.py, keeps the records)."""
    stored = User.objects.select_for_update().get(pk=user.pk)
    _require_may_administer(actor, stored)
    stored.delete()
