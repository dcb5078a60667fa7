"""One permission layer: who may make which write. Every write service calls one
of the `require_*` helpers here before it changes anything.

An actor is always explicit. A person is a `User` (views and the admin pass
`request.user`); the portal itself is a `SystemActor`: the worker, imports run
from a shell, the demo loader, retention. `None` is refused, so a caller that
forgot to say who is acting fails loudly instead of skipping every check.

Pages still decide who may *see* them (programmes/access.py) and which records
(each app's `<record>_get_for_user`, 404 for another council's); these helpers
decide who may *write*, whichever page, admin action, task or command calls.

Every public function of a `services` module takes a required keyword-only
`actor` and calls one helper here, or is listed as internal (with why) in
tests/test_permissions.py, which finds them all and tries each persona; the
rule of each service is in docs/security.md ("One permission layer").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from django.core.exceptions import PermissionDenied

from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER, user_role

if TYPE_CHECKING:
    from programmes.models import User


@dataclass(frozen=True)
class SystemActor:
    """The portal acting on its own behalf. `name` says which part (for logs)."""

    name: str

    # Looks enough like AnonymousUser that role helpers answer "no role"
    # if one is ever handed to them by mistake.
    is_authenticated = False
    is_active = True
    pk = None

    def __str__(self) -> str:
        return f"the portal ({self.name})"


SYSTEM = SystemActor("system")
WORKER = SystemActor("worker")
DEMO = SystemActor("demo data")
IMPORT = SystemActor("import")
RETENTION = SystemActor("retention")
# An invitation being used: whoever made it was checked when it was made.
INVITATION = SystemActor("invitation")

Actor = Union["User", SystemActor]


def is_system(actor: Actor | None) -> bool:
    return isinstance(actor, SystemActor)


def as_user(actor: Actor | None) -> User | None:
    """The user to store in a `..._by` field: None when the portal acted."""
    if actor is None or is_system(actor):
        return None
    return actor  # type: ignore[return-value]


def _known(actor: Actor | None) -> None:
    if actor is None:
        # A programming error, not a user's: every caller must say who acts.
        raise PermissionDenied("No actor given: pass the user, or a SystemActor")


def _active_user(actor: Actor | None) -> User:
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        raise PermissionDenied("Sign in to do this")
    return actor  # type: ignore[return-value]


def require_officer(actor: Actor | None) -> None:
    """LGA officers (and superusers) only; the system may."""
    _known(actor)
    if is_system(actor):
        return
    if user_role(_active_user(actor)) != OFFICER:
        raise PermissionDenied("Only LGA officers can do this")


def require_council_user(actor: Actor | None, council_id: int | None) -> None:
    """A council user of exactly this council; the system may. Officers may not
    act as a council (they have their own services for what they decide)."""
    _known(actor)
    if is_system(actor):
        return
    user = _active_user(actor)
    if user_role(user) != APPLICANT or council_id is None or user.council_id != council_id:
        raise PermissionDenied("Only users of this council can do this")


MANAGE_ACCOUNTS = "programmes.manage_accounts"


def require_manages_accounts(actor: Actor | None, account: User) -> None:
    """Resetting another account's second factor or password: an officer with
    the "manages accounts" permission, never on a superuser's account unless a
    superuser, never on their own (their own goes through the code they have);
    the system may."""
    _known(actor)
    if is_system(actor):
        return
    user = _active_user(actor)
    if user_role(user) != OFFICER or not user.has_perm(MANAGE_ACCOUNTS):
        raise PermissionDenied("Only an officer who manages accounts can do this")
    if account.pk == user.pk:
        raise PermissionDenied("You cannot reset your own account here: use your own code")
    if account.is_superuser and not user.is_superuser:
        raise PermissionDenied("Only a superuser can reset a superuser's account")


def require_officer_or_council_user(actor: Actor | None, council_id: int | None) -> None:
    """An officer, or a council user of this council; the system may."""
    _known(actor)
    if is_system(actor):
        return
    user = _active_user(actor)
    role = user_role(user)
    if role == OFFICER:
        return
    if role == APPLICANT and council_id is not None and user.council_id == council_id:
        return
    raise PermissionDenied("Only LGA officers or users of this council can do this")


def require_council_lead(actor: Actor | None, council_id: int | None) -> None:
    """An officer, or an active council user of this council who is its lead
    (programmes/accounts.py: inviting and deactivating colleagues); the system may."""
    _known(actor)
    if is_system(actor):
        return
    user = _active_user(actor)
    role = user_role(user)
    if role == OFFICER:
        return
    if (
        role == APPLICANT
        and council_id is not None
        and user.council_id == council_id
        and getattr(user, "is_council_lead", False)
    ):
        return
    raise PermissionDenied("Only LGA officers or this council's lead can do this")


def require_finance_officer(actor: Actor | None, council_id: int | None) -> None:
    """An active council user of exactly this council who is one of its
    finance officers (`User.is_finance_officer`: its section 151 officer or
    a deputy), certifying its savings returns; the system may. Officers may
    not: a certificate is the council's own word (docs/savings.md)."""
    _known(actor)
    if is_system(actor):
        return
    user = _active_user(actor)
    if (
        user_role(user) != APPLICANT
        or council_id is None
        or user.council_id != council_id
        or not getattr(user, "is_finance_officer", False)
    ):
        raise PermissionDenied("Only this council's finance officer can do this")


def may_read_board(actor: Actor | None) -> bool:
    """Board members and officers read the board; nobody writes through it."""
    if actor is None or is_system(actor):
        return actor is not None
    return user_role(actor) in (OFFICER, BOARD_MEMBER)
