"""Pieces every app's admin shares: read-only derived rows, and bulk actions
that run a service per row and report each refusal in words."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Derived rows (rollups, statistics): officers may look, only the worker writes."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def action_report(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    rows: Iterable[Any],
    act: Callable[[Any], object],
    done: str,
    *,
    label: Callable[[Any], str] = str,
) -> None:
    """Run a service per row; say which succeeded and why the others were refused.
    `label` names a row in the messages (a bid by its reference, say)."""
    succeeded = []
    for row in rows:
        try:
            act(row)
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(getattr(exc, "messages", [str(exc)]))
            model_admin.message_user(request, f"{label(row)}: {text}", messages.ERROR)
        else:
            succeeded.append(label(row))
    if succeeded:
        model_admin.message_user(request, f"{done}: {'; '.join(succeeded)}", messages.SUCCESS)
