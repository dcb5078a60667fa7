"""Strict readers for environment variables.

Every reader names the variable in its error, so a typo in a deployment's
environment stops start-up with a message that says which value is wrong,
instead of quietly falling back to a default (the healthchecks pattern).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import overload
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"true", "1", "yes", "on"}
FALSE_VALUES = {"false", "0", "no", "off"}


@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's value, or ``default`` when unset or empty."""
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_bool(name: str, default: bool) -> bool:
    """True/False (or 1/0, yes/no, on/off); anything else is refused."""
    value = env_str(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """A whole number no smaller than ``minimum``."""
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def sqlite_database(path: Path) -> dict:
    """The embedded default: SQLite tuned for a small multi-user web app.

    WAL lets readers carry on while one writer writes; IMMEDIATE transactions
    take the write lock at BEGIN, so two writers queue on the busy timeout
    instead of one failing with "database is locked" half-way through.
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
    }


def database_from_url(name: str, default_sqlite_path: Path) -> dict:
    """Parse ``postgres://user:pass@host:port/db`` or ``sqlite:///path``."""
    url = env_str(name)
    if url is None:
        return sqlite_database(default_sqlite_path)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path or path == "/":
            raise ImproperlyConfigured(f"{name} must name a file, as sqlite:////abs/path.db.")
        return sqlite_database(Path(path))
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"{name} must start with postgres:// or sqlite:///, not {parts.scheme or url!r}."
        )
    database = parts.path.lstrip("/")
    if not database:
        raise ImproperlyConfigured(f"{name} must name a database, as postgres://host/dbname.")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number.") from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(database),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": dict(parse_qsl(parts.query)),
    }


def broker_url(name: str) -> str | None:
    """A Redis URL (``redis://`` or ``rediss://``), or None for in-process tasks."""
    url = env_str(name)
    if url is None:
        return None
    if urlsplit(url).scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"{name} must be a redis:// or rediss:// URL, not {url!r}.")
    return url
