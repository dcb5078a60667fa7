"""Pieces every app's admin shares: read-only derived rows, bulk actions
that run a service per row and report each refusal in words, an
autocomplete widget that survives a posted value that is not an id, and
lists that stay fast at a million rows (counts PostgreSQL estimates, last
pages read backwards along the ordering's index, a values filter that probes
an index instead of a DISTINCT over the table, a search that each table's
indexes answer)."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property, reduce
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as url_quote
from urllib.parse import unquote

from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import connections, models, router
from django.db.models import QuerySet, Subquery
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString
from django.utils.text import capfirst, smart_split, unescape_string_literal
from django.utils.translation import gettext

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


class SafeAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    """The many-to-many autocomplete, minus the same server error: posted
    values that cannot be ids of the related model are not shown again."""

    def optgroups(self, name, value, attr=None):
        key = self.field.remote_field.model._meta.pk
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
    _ModelAdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object
    _ModelAdminBase = object


class SafeChoicesMixin(_AdminBase):
    """For a ModelAdmin or inline: the two choice widgets above in place of Django's."""

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
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


class ReadOnlyInline(admin.TabularInline):
    """A record's history shown on its change page (a budget's changes, the
    days a costing pays for): its `fields`, all read-only, never added to,
    changed or deleted here (the services write them)."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields or []

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def form_data(form: forms.BaseForm, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """What an admin form (or an inline's form) says of the model's fields,
    for a service's `data`: the cleaned values of `fields` (every model
    field the form has, by default), never the formset's own "id" and
    "DELETE"."""
    model = form._meta.model  # type: ignore[attr-defined]  # a ModelForm
    names = {field.name for field in model._meta.get_fields() if not field.auto_created}
    wanted = names if fields is None else set(fields)
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name in wanted and name in names and name != model._meta.pk.name
    }


def formset_through_services(
    formset: Any,
    *,
    save: Callable[[Any, dict[str, Any]], object],
    delete: Callable[[Any], object],
) -> None:
    """An inline's rows written by services, not by the formset: `delete(row)`
    for each row ticked for deletion, `save(row, data)` for each new or
    changed one (a new row comes unsaved, with its parent set). The formset
    still records what changed, for the admin's history message."""
    formset.save(commit=False)  # fills new/changed/deleted_objects, writes nothing
    for row in formset.deleted_objects:
        delete(row)
    for form in formset.saved_forms:
        save(form.instance, form_data(form))


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


ROWS_NOT_UNDERSTOOD = "The rows chosen were not understood: choose them again"


class ActionRowsGuard(_ModelAdminBase):
    """Admin list actions choose rows by their keys, which come back from the
    form as posted: a value that is not a key (a tampered or replayed form,
    "abc" or a number past the column) is said plainly, where Django would
    answer 500 (ValueError, or OverflowError on SQLite).

    Not mixed in by hand: the admin site (programmes.twofactor.admin_site)
    adds it to every ModelAdmin registered on it, the libraries' (axes,
    django-otp, auditlog) included, so no registration can miss it."""

    def response_action(self, request, queryset):
        key = self.model._meta.pk
        if not all(_storable(key, value) for value in request.POST.getlist(ACTION_CHECKBOX_NAME)):
            self.message_user(request, ROWS_NOT_UNDERSTOOD, messages.WARNING)
            return None
        return super().response_action(request, queryset)


def guarded(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """The admin class with ActionRowsGuard in front (the class itself when it has it)."""
    if issubclass(admin_class, ActionRowsGuard):
        return admin_class
    return type(
        admin_class.__name__,
        (ActionRowsGuard, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
    )


class ServiceRefusalMixin(_ModelAdminBase):
    """A change page whose save a service refuses for what the form could not
    know (a colleague's change meanwhile, a date before the figures it
    corrects, a paper published meanwhile): the officer is told why on the
    same page, with nothing saved, instead of a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            self.message_user(request, " ".join(refused.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)


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
        # (Rows that are not keys are refused before this, for every admin:
        # ActionRowsGuard, which the site mixes into each registration.)
        # Every write an action makes, one service call per row, is marked
        # as a bulk action rather than an edit of one record in the admin.
        with audit.through(audit.BULK_ACTION):
            return super().response_action(request, queryset)

    def audit_related(self, obj, request) -> list[models.Model]:
        return []

    def audit_hidden(self, obj, request, entries) -> list[int]:
        """Entries of the record itself this person may not read (a bid's
        moderation before scoring is complete); none by default."""
        return []

    def audit_entries(self, obj, request):
        entries = LogEntry.objects.get_for_object(obj)
        for part in self.audit_related(obj, request):
            entries = entries | LogEntry.objects.get_for_object(part)
        hidden = self.audit_hidden(obj, request, entries)
        if hidden:
            entries = entries.exclude(pk__in=hidden)
        return entries.select_related("actor").order_by("-timestamp", "-pk")

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        paginator = self.get_paginator(
            request, self.audit_entries(obj, request), self.auditlog_history_per_page
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


def estimated_count(queryset: Any) -> int | None:
    """PostgreSQL's planner estimate of the rows a queryset gives, from one
    EXPLAIN (no rows read): statistics that ANALYZE (and autovacuum) keep,
    scaled to the table's current size. None where there is no estimate:
    another database, or something that is not a queryset."""
    if not isinstance(queryset, QuerySet):
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """A paginator for lists of up to millions of rows.

    - The count is PostgreSQL's estimate when that is at least `exact_below`
      rows, and exact below it (and always on other databases): a COUNT(*)
      reads every row that matches, ~60 ms at a million rows on our machine,
      while the estimate costs one EXPLAIN. `estimated` says which it was, so
      the page can say "about".
    - Pages past the middle are read from the end, with the ordering
      reversed: the last page is then the first rows of a backward scan of
      the ordering's index instead of an OFFSET past a million rows. This
      needs an ordered queryset (the admin always orders), and such a page's
      rows are a list, not a queryset (`reverse_tail=False` where a
      queryset is needed, as for list_editable's formset).

    - An estimate is trusted only once the list is known to hold at least
      `exact_below` rows (one probe for the row at that position, no
      COUNT): a search's estimate can be ten times too high, and its few
      rows are then counted exactly. It can be too low as well, so a
      count reads at most `exact_below` rows: a list found to have that
      many is "about" the estimate, or `exact_below` if that is higher.
    - A page finds its rows' keys first, with only the joins its filters
      and ordering need, then reads those rows with their related ones
      (`list_select_related`): an OFFSET of 500,000 then skips entries of
      the ordering's index (an index-only scan), not joined rows, and a
      sort by another column sorts keys, not whole joined rows.

    With an estimated count pages are approximate: the last page holds the
    real last rows, but if the estimate is off by N rows, N rows around the
    middle are shown twice or on no page. Filters and search narrow a list
    to where counts are exact.
    """

    exact_below = 10_000

    def __init__(self, *args: Any, reverse_tail: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reverse_tail = reverse_tail
        self.estimated = False

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return len(rows)
        estimate = estimated_count(rows)
        if estimate is None:
            return rows.count()
        if (
            estimate >= self.exact_below
            and rows.order_by()[self.exact_below - 1 : self.exact_below].exists()
        ):
            self.estimated = True
            return estimate
        # Counted up to the threshold only: an estimate can be five times too
        # low (a search of two words that go together), and a COUNT(*) would
        # then read every match (issue 26).
        counted = rows.order_by()[: self.exact_below].count()
        if counted < self.exact_below:
            return counted
        self.estimated = True
        return max(estimate, self.exact_below)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        from_the_end = bottom > self.count // 2 and self.reverse_tail
        if from_the_end and isinstance(rows, QuerySet) and rows.ordered:
            tail: Sequence[Any] = list(
                self._slice(rows.reverse(), self.count - top, self.count - bottom)
            )
            return Page(tail[::-1], number, self)
        return Page(self._slice(rows, bottom, top), number, self)

    def _slice(self, rows: Any, start: int, stop: int) -> Any:
        if not isinstance(rows, QuerySet) or not rows.ordered:
            return rows[start:stop]
        return rows.filter(pk__in=rows.values("pk")[start:stop])


# A search word's matching councils or bids are compared by a list of their
# keys when there are at most this many: the planner sees the keys, and
# reads either the foreign key's index for each (few rows) or the list in
# its order until a page is full (many). A word that matches more (every
# bid's reference) is compared by `InArrayOf` instead: a list of 36,000 keys
# took longer to plan, three times, than the page to read (1.8 s at 88,000
# bids, issue 26).
SEARCH_KEYS_LISTED = 1000


class InArrayOf(models.Lookup):
    """`column = ANY(ARRAY(subquery))` on PostgreSQL: the subquery runs once
    (an init plan) and its keys are looked up in the column's index, in a
    bitmap with the other words' conditions, so the rows read are the rows
    that match, however many keys; a plain `IN (subquery)` inside an OR
    can only be tested row by row (a scan of the whole list when few rows
    match). `IN (subquery)` elsewhere."""

    lookup_name = "in_array_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


class BigListChangeList(ChangeList):
    """Django's ChangeList, with each row's link made from one `reverse()`
    of the change page a request (a placeholder key replaced per row): a
    hundred rows' reverses were a twentieth of a big list's CPU (issue 26).
    The same addresses: the key quoted as the admin quotes it."""

    PLACEHOLDER = "__row_key__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A filtered list's row links keep its filters (?_changelist_filters=).
        # Django adds them to each row's link with add_preserved_filters,
        # which resolves the link's URL first: a fifth of a filtered
        # 100-row page's CPU. The same query string, added once here; the
        # links are the same (the add link reads the view's own copy).
        self.row_filters, self.preserved_filters = self.preserved_filters, ""

    def url_for_result(self, result: Any) -> str:
        template = self.__dict__.get("_change_url")
        if template is None:
            template = self._change_url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(self.PLACEHOLDER,),
                current_app=self.model_admin.admin_site.name,
            )
        key = str(quote(getattr(result, self.pk_attname)))
        key = url_quote(key, safe=RFC3986_SUBDELIMS + "/~:@")  # as reverse() quotes
        url = template.replace(self.PLACEHOLDER, key, 1)
        return f"{url}?{self.row_filters}" if self.row_filters else url


class BigListMixin(_ModelAdminBase):
    """For a ModelAdmin whose list grows to millions of rows: counts that do
    not read the table (EstimatedCountPaginator, and no second count of the
    unfiltered table), and its last pages read backwards. Give the model an
    index matching the admin's ordering, ending in the primary key, so that
    both ends of the list are index scans (savings.models has examples)."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return BigListChangeList

    def action_checkbox(self, obj: Any) -> SafeString:
        # Django renders each row's checkbox through the form template
        # engine: a fifth of a 100-row page's server time. The same HTML.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return self.paginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            reverse_tail=not self.list_editable,
        )

    def get_search_results(self, request, queryset, search_term):
        """Django's search (each word in any search field, case-insensitive),
        with a field across a foreign key (`council__name`) looked up in its
        own table first and then compared by key.

        Django tests every field of a word in one OR over the joined tables,
        which PostgreSQL can answer only by reading every row of the join.
        With the matching councils' or bids' keys found first (small
        tables), each part of the OR is an index scan of this table (the
        key's index, or a text field's trigram index: savings.models.
        trigram_index) and PostgreSQL combines them. Only for foreign keys
        to tables far smaller than this list; prefixed search fields (^, =,
        @) are left to Django."""
        fields = [str(field) for field in self.get_search_fields(request)]
        if not search_term or any(field[0] in "^=@" for field in fields):
            return super().get_search_results(request, queryset, search_term)
        words = []
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            words.append(reduce(operator.or_, (self._search_match(f, bit) for f in fields)))
        return queryset.filter(*words), False

    def _search_match(self, field: str, word: str) -> models.Q:
        name, _, rest = field.partition(LOOKUP_SEP)
        relation = self.model._meta.get_field(name)
        if rest and relation.many_to_one and relation.related_model is not None:
            matching = relation.related_model._default_manager.filter(
                **{f"{rest}__icontains": word}
            ).order_by()
            keys = list(matching.values_list("pk", flat=True)[: SEARCH_KEYS_LISTED + 1])
            if len(keys) <= SEARCH_KEYS_LISTED:
                return models.Q(**{f"{name}__in": keys})
            return models.Q(InArrayOf(models.F(name), Subquery(matching.values("pk"))))
        return models.Q(**{f"{field}__icontains": word})


def distinct_values(model: type[models.Model], field_name: str) -> list[Any]:
    """The distinct values of a column, in order, one index probe each.

    A "loose index scan" (a recursive query that asks for the smallest value
    above the last one): with an index that starts with the column, ten
    values cost ten probes however many rows there are, where
    SELECT DISTINCT reads them all. Without such an index it scans once per
    value: use it only where the index exists. NULL is listed last if any row has it.
    """
    field = model._meta.get_field(field_name)
    assert isinstance(field, models.Field)
    connection = connections[router.db_for_read(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(field.column)
    sql = (
        f"WITH RECURSIVE v(value) AS ("  # noqa: S608 - quoted names from the model
        f" SELECT MIN({column}) FROM {table}"
        f" UNION ALL"
        f" SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > v.value)"
        f" FROM v WHERE v.value IS NOT NULL"
        f") SELECT value FROM v WHERE value IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        values = [field.to_python(row[0]) for row in cursor.fetchall()]
    if field.null and model._default_manager.filter(**{f"{field_name}__isnull": True}).exists():
        values.append(None)
    return values


class IndexedValuesListFilter(admin.AllValuesFieldListFilter):
    """Django's list filter of a field's values (same parameter, same
    choices), with the values found by `distinct_values` over the whole
    table instead of a DISTINCT over the admin's queryset. The column needs
    an index that starts with it; use it for a field on the model itself."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        # The parent's choices are a lazy DISTINCT queryset, never run.
        self.lookup_choices = distinct_values(model, field_path)
