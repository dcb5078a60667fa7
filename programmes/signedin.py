"""The signed-in user of a request in one query, and the sessions of a user.

Every signed-in page used to make four queries before its own work: the
session row, the user, the user's groups (the role, `User.has_role`) and the
second-factor device that verified the session (django-otp's middleware).
Now (issue 26; docs/security.md, "Sessions"):

- the session is read from the cache when a Redis cache is configured
  (`cached_db`, productivity/settings.py), so no query;
- `SignedInUserBackend.get_user` reads the user with its group names and the
  keys of its confirmed devices in the same row (two subqueries), one query;
- `SignedInOTPMiddleware` (django-otp's, with the lookup replaced) marks the
  session verified when the device it names is among those keys: the device
  row is read only if something asks for more than whether it exists.

`session_store()` and `user_sessions_end` (programmes/accounts.py) delete a
session through the configured engine, so the cached copy goes with the row.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Aggregate, CharField, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Cast
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from programmes.models import User

# Joins a column's values in one text (a group name holds no such character).
SEPARATOR = "\x1f"
# The devices that can verify a session: app codes and backup codes.
DEVICE_MODELS = (TOTPDevice, StaticDevice)


class Joined(Aggregate):
    """The values joined by SEPARATOR, in no particular order:
    STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def __init__(self, expression: Any) -> None:
        super().__init__(Cast(expression, CharField()), Value(SEPARATOR))

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra_context)


def _joined(queryset, column: str, key: str) -> Subquery:
    """One text of `column` over the rows of `queryset` whose `key` is the
    outer user's (one row, or NULL for none)."""
    return Subquery(
        queryset.filter(**{key: OuterRef("pk")})
        .order_by()
        .values(key)
        .annotate(joined=Joined(column))
        .values("joined")[:1]
    )


def _split(text: str | None) -> list[str]:
    return text.split(SEPARATOR) if text else []


def device_label(model) -> str:
    return model._meta.label_lower  # otp_totp.totpdevice, as in a persistent id


def _user_query(pk: Any):
    """The user with their group names and confirmed devices' keys."""
    memberships = User.groups.through.objects.all()
    annotations = {
        "signed_in_group_names": _joined(memberships, "group__name", "user_id"),
        **{
            f"signed_in_devices_{index}": _joined(
                model.objects.filter(confirmed=True), "id", "user_id"
            )
            for index, model in enumerate(DEVICE_MODELS)
        },
    }
    return User._default_manager.annotate(**annotations).filter(pk=pk)


# The query's SQL, compiled once per database (vendor): compiling its three
# subqueries cost more CPU than running it, on every signed-in request.
_SQL: dict[str, tuple[str, tuple]] = {}
# A key no user has, to find the user's key among the compiled parameters.
_PK_MARK = -262626


def _user_sql() -> tuple[str, tuple]:
    """`_user_query`'s SQL and its parameters but the last (the user's key)."""
    vendor = connections[router.db_for_read(User)].vendor
    if vendor not in _SQL:
        sql, params = _user_query(_PK_MARK).query.sql_with_params()
        assert params[-1] == _PK_MARK, "the user's key is the last parameter"
        _SQL[vendor] = (sql, tuple(params[:-1]))
    return _SQL[vendor]


class SignedInUserBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions), whose `get_user` (each
    request's user, from the session) also reads the user's group names and
    confirmed devices in the same query."""

    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        sql, params = _user_sql()
        found = list(User._default_manager.raw(sql, (*params, pk)))
        if not found:
            return None
        user = found[0]
        if not self.user_can_authenticate(user):
            return None
        # User.has_role reads this set instead of querying the groups.
        user._role_names = set(_split(user.signed_in_group_names))
        user._confirmed_devices = {
            device_label(model): {
                int(pk) for pk in _split(getattr(user, f"signed_in_devices_{index}"))
            }
            for index, model in enumerate(DEVICE_MODELS)
        }
        return user


class SignedInOTPMiddleware(OTPMiddleware):
    """django-otp's middleware (`request.user.otp_device`, `is_verified()`),
    which read the session's device on every request to check that it still
    exists, is confirmed and is the user's. A user from SignedInUserBackend
    brings the keys of their confirmed devices: the check is a set lookup,
    and `otp_device` loads the row only when one of its fields is read."""

    def _verify_user_sync(self, request, user):
        known = getattr(user, "_confirmed_devices", None) if user.is_authenticated else None
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY) if known is not None else None
        if known is None or not persistent_id:
            return super()._verify_user_sync(request, user)
        self._init_user_fields(user)
        label, _, key = self._normalize_persistent_id(persistent_id).rpartition("/")
        model = next((m for m in DEVICE_MODELS if device_label(m) == label), None)
        if model is None:  # a device of another kind: django-otp's own lookup
            return super()._verify_user_sync(request, user)
        if key.isdigit() and int(key) in known.get(label, ()):
            pk = int(key)
            user.otp_device = SimpleLazyObject(lambda: model.objects.get(pk=pk))
        else:  # deleted, unconfirmed or another user's: not verified
            user.otp_device = None
            del request.session[DEVICE_ID_SESSION_KEY]
        return user


def session_store(session_key: str) -> SessionBase:
    """A session of the configured engine (db, or cached_db with Redis)."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)
