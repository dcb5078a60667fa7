"""Pieces every app's admin shares: read-only derived rows, bulk actions
that run a service per row and report each refusal in words, and an
autocomplete widget that survives a posted value that is not an id."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.text import capfirst

from programmes import audit


def _storable(key: models.Field, value: Any) -> bool:
    """Whether the value could be this key at all: "abc" is not an integer
    id, and 99999999999999999999 is past what the column holds (SQLite
    raises OverflowError on such a value in an IN list)."""
    try:
        key.run_validators(key.to_python(value))
    except ValidationError:
        return False
    return True


class SafeAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget, minus its server error on a bad value.

    When a form comes back with errors, Django's widget looks the posted
    value up as an id to show it again; "abc" for an integer key raises
    ValueError there (a 500 instead of the form's own "Select a valid
    choice"). Values that cannot be ids are simply not shown again.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        key = remote.model._meta.get_field(remote.field_name)
        return super().optgroups(name, [item for item in value if _storable(key, item)], attr)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses an id the key column cannot hold before the database sees it."""

    def _check_values(self, value):
        model = self.queryset.model
        key = model._meta.get_field(self.to_field_name) if self.to_field_name else model._meta.pk
        for item in value if isinstance(value, list | tuple) else ():
            if not _storable(key, item):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super()._check_values(value)


if TYPE_CHECKING:
    # What the mixin is mixed into: a ModelAdmin or an inline.
    _AdminBase = admin.options.BaseModelAdmin[Any]
else:
    _AdminBase = object


class SafeChoicesMixin(_AdminBase):
    """For a ModelAdmin or inline: the two choice widgets above in place of Django's."""

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


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


class AuditTrailMixin(AuditlogHistoryAdminMixin):
    """The change page's History shows the audit trail: each change's
    author, time, channel and every field's old and new value.

    Django's own history lists only what was done through the admin; the
    audit trail also holds the pages, imports, bulk actions and the worker.
    An admin whose record has audited parts (a bid's scores, documents and
    strand details) names them in `audit_related` so they show here too.
    """

    auditlog_history_per_page = 50

    def response_action(self, request, queryset):
        # Every write an action makes, one service call per row, is marked
        # as a bulk action rather than an edit of one record in the admin.
        with audit.through(audit.BULK_ACTION):
            return super().response_action(request, queryset)

    def audit_related(self, obj) -> list[models.Model]:
        return []

    def audit_entries(self, obj):
        entries = LogEntry.objects.get_for_object(obj)
        for part in self.audit_related(obj):
            entries = entries | LogEntry.objects.get_for_object(part)
        return entries.select_related("actor").order_by("-timestamp", "-pk")

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        paginator = self.get_paginator(
            request, self.audit_entries(obj), self.auditlog_history_per_page
        )
        page_obj = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            **self.admin_site.each_context(request),
            # Django's own wording for the History button's page.
            "title": f"Change history: {obj}",
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "page_range": paginator.get_elided_page_range(page_obj.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > self.auditlog_history_per_page,
            "object": obj,
            "opts": self.opts,
            "log_entries": page_obj,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.auditlog_history_template, context)

    def auditlog_history_view(self, request, object_id, extra_context=None):
        return self.history_view(request, object_id, extra_context)
