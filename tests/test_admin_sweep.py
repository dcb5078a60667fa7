"""Every admin page an officer can reach answers without a server error.

The sweep walks `admin.site._registry`, so a model registered later is swept
without touching this file. It loads the demo programme once per test (an
object of every model), signs in as an LGA officer and requests, per model:
the changelist (plain, with odd searches, with garbage in every filter), the
add page, the change, history and delete pages of an existing object, the same
three with malformed or missing ids, and every custom admin URL. Failures are
collected and reported together, so one run lists every broken URL.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, SEARCH_VAR
from django.db import DatabaseError, models, transaction
from django.test import RequestFactory
from django.urls import NoReverseMatch, URLPattern, reverse
from django.utils import timezone
from django.utils.text import capfirst

from applications import emails, workflow
from applications.models import Application, ApplicationState
from programmes.admin_tools import ROWS_NOT_UNDERSTOOD, ActionRowsGuard
from programmes.permissions import SYSTEM
from programmes.returns.services import return_reminders_send
from savings.models import SavingsEntry
from savings.outbox import outbox_mark

STANDARD_VIEWS = ("changelist", "add", "history", "delete", "change")
# Ids that are not ids, and ids of nothing. Each must give the admin's usual
# "doesn't exist" redirect to the index, never a server error.
MALFORMED_IDS = ("abc", "1.5", "%20", "1%00", "99999999", "-1", "99999999999999999999")
ODD_SEARCHES = ("%00", "' OR 1=1 --", "x" * 300, "\\", "%", "_", "🙂")
GARBAGE = "zzz"


@pytest.fixture
def demo(demo):
    """The demo programme, plus what it leaves none of: an outbox marker (the
    drain removes them) and an email notice (the demo sends none)."""
    entry = SavingsEntry.objects.order_by("pk").first()
    outbox_mark([(entry.strand_id, entry.council_id, entry.financial_year)])
    bid = Application.objects.filter(state=ApplicationState.MORE_INFORMATION).first()
    emails.notice_queue(
        application=bid, event=bid.events.last(), audience=emails.COUNCIL, subject="A notice"
    )
    # A savings return's overdue notice (the daily task's; the demo sends none).
    return_reminders_send(actor=SYSTEM)
    # Sign-in throttling's records (django-axes), which officers may delete.
    attempt = {"username": "applicant", "ip_address": "192.0.2.1", "user_agent": "sweep"}
    AccessAttempt.objects.create(
        **attempt, attempt_time=timezone.now(), failures_since_start=5, get_data="", post_data=""
    )
    AccessFailureLog.objects.create(**attempt, attempt_time=timezone.now(), locked_out=True)


@pytest.fixture
def quiet_requests() -> Iterator[None]:
    # Every refusal (403) and 500 is logged with a traceback; the sweep
    # reports the ones that matter itself.
    logger = logging.getLogger("django.request")
    logger.disabled = True
    yield
    logger.disabled = False


@dataclass
class Sweep:
    client: Any
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)  # add forms that took a valid copy

    def request(self, method: str, url: str, data: Any = None, **extra: Any):
        """One request in a savepoint, so a database error (PostgreSQL aborts the
        transaction) is reported as a 500 and the next request still runs."""
        self.requests += 1
        answer: dict[str, Any] = {}
        try:
            with transaction.atomic():
                send = self.client.post if method == "POST" else self.client.get
                answer["response"] = send(url, data, **extra) if data is not None else send(url)
        except DatabaseError:
            pass
        return answer["response"]

    def check(
        self,
        url: str,
        expected: set[int],
        *,
        method: str = "GET",
        data: Any = None,
        contains: str | None = None,
        location: str | None = None,
        note: str = "",
    ):
        response = self.request(method, url, data)
        url = f"{url} {note}".strip()
        if response.status_code >= 500:
            error = response.exc_info[1] if getattr(response, "exc_info", None) else None
            self.failures.append(f"{method} {url}: {response.status_code} {error!r}")
            return response
        if response.status_code not in expected:
            self.failures.append(
                f"{method} {url}: {response.status_code}, expected {sorted(expected)}"
                + (f" -> {response.get('Location')}" if response.status_code == 302 else "")
            )
            return response
        if response.status_code == 200 and contains:
            page = response.content.decode()
            if contains not in page:
                self.failures.append(f"{method} {url}: 200 but the page lacks {contains!r}")
        moved = response.status_code == 302 and location is not None
        if moved and response["Location"] != location:
            self.failures.append(
                f"{method} {url}: redirects to {response['Location']}, expected {location}"
            )
        return response


def registered() -> Iterator[tuple[type[models.Model], admin.ModelAdmin]]:
    yield from sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def admin_url(opts, view: str, *args: Any) -> str:
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def malformed_url(opts, view: str, object_id: str) -> str:
    # Built by hand: reverse() would quote the % of the ids that carry one.
    return f"{admin_url(opts, 'changelist')}{object_id}/{view}/"


def custom_urls(model_admin: admin.ModelAdmin) -> Iterator[URLPattern]:
    opts = model_admin.model._meta
    standard = {f"{opts.app_label}_{opts.model_name}_{view}" for view in STANDARD_VIEWS}
    for pattern in model_admin.get_urls():
        # The unnamed catch-all redirects an old-style URL to the change page.
        if isinstance(pattern, URLPattern) and pattern.name and pattern.name not in standard:
            yield pattern


def filter_parameters(model_admin: admin.ModelAdmin, request) -> list[str]:
    """Every query parameter the changelist's filters and date hierarchy read."""
    changelist = model_admin.get_changelist_instance(request)
    names = [name for spec in changelist.filter_specs for name in spec.expected_parameters()]
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return names


def officer_request(officer):
    request = RequestFactory().get("/admin/")
    request.user = officer
    return request


def telling(opts) -> str:
    """Text every page of a model's admin shows: its name in the breadcrumbs."""
    return html.escape(str(capfirst(opts.verbose_name_plural)), quote=False)


def sweep_model(
    sweep: Sweep, model: type[models.Model], model_admin: admin.ModelAdmin, officer
) -> None:
    opts = model._meta
    request = officer_request(officer)
    obj = model_admin.get_queryset(request).order_by("pk").first() or model.objects.first()
    if obj is None:
        sweep.failures.append(f"{opts.label}: no object to sweep; give the demo or fixture one")
        return
    index = reverse("admin:index")
    can_view = model_admin.has_view_or_change_permission(request)
    can_view_obj = model_admin.has_view_or_change_permission(request, obj)
    can_add = model_admin.has_add_permission(request)
    can_delete = model_admin.has_delete_permission(request)
    can_delete_obj = model_admin.has_delete_permission(request, obj)
    name = telling(opts)

    changelist = admin_url(opts, "changelist")
    sweep.check(changelist, {200} if can_view else {403}, contains=name)
    if can_view:
        for term in ODD_SEARCHES if model_admin.search_fields else ():
            sweep.check(f"{changelist}?{SEARCH_VAR}={term}", {200}, contains=name)
        # Django answers a lookup it cannot use with a redirect to ?e=1.
        errors = {200, 302}
        for parameter in filter_parameters(model_admin, request):
            sweep.check(f"{changelist}?{parameter}={GARBAGE}", errors, location=f"{changelist}?e=1")
            sweep.check(f"{changelist}?{parameter}=", errors, location=f"{changelist}?e=1")
        for query in (f"{ORDER_VAR}={GARBAGE}", f"{ORDER_VAR}=99.-99", f"{PAGE_VAR}={GARBAGE}"):
            sweep.check(f"{changelist}?{query}", errors, location=f"{changelist}?e=1")
        sweep.check(f"{changelist}?{PAGE_VAR}=99999", errors, location=f"{changelist}?e=1")

    sweep.check(
        admin_url(opts, "add"), {200} if can_add else {403}, contains=f"Add {opts.verbose_name}"
    )

    sweep.check(admin_url(opts, "change", obj.pk), {200} if can_view_obj else {403}, contains=name)
    sweep.check(
        admin_url(opts, "history", obj.pk),
        {200} if can_view_obj else {403},
        contains="Change history",
    )
    sweep.check(
        admin_url(opts, "delete", obj.pk), {200} if can_delete_obj else {403}, contains=name
    )

    for object_id in MALFORMED_IDS:
        sweep.check(
            malformed_url(opts, "change", object_id), {302} if can_view else {403}, location=index
        )
        sweep.check(malformed_url(opts, "history", object_id), {302}, location=index)
        sweep.check(
            malformed_url(opts, "delete", object_id), {302} if can_delete else {403}, location=index
        )

    for pattern in custom_urls(model_admin):
        args = [obj.pk] if pattern.pattern.converters else []
        try:
            url = reverse(f"admin:{pattern.name}", args=args)
        except NoReverseMatch:
            sweep.failures.append(f"{opts.label}: cannot reverse custom URL {pattern.name}")
            continue
        # Officers' own pages (decisions, sign-off, imports, passwords) open
        # for any existing object; acting on one in the wrong state is refused
        # on POST, with a message. Pages of an object the officer may not
        # see answer 404 like a missing one (django-otp's device pages).
        allowed = can_view
        if f"admin:{pattern.name}" in GATED and isinstance(obj, Application):
            # A bid's decision pages open only for those the workflow lets
            # take the step (applications.workflow; its state is checked on POST).
            transition = TRANSITION_OF_URL[f"admin:{pattern.name}"]
            allowed = allowed and workflow.refusal(transition, obj, officer) is None
        if pattern.name == "auth_user_password_change":
            # Setting someone's password is for officers who manage accounts
            # (docs/security.md, "Protected accounts").
            allowed = officer.has_perm("programmes.manage_accounts")
        sweep.check(url, {200} if allowed else {403, 404}, contains=name)


# The bid pages that check the workflow's rules before they show (a GET).
GATED = {
    "admin:applications_start",
    "admin:applications_information",
    "admin:applications_approve",
    "admin:applications_decline",
    "admin:applications_second_decision",
    "admin:applications_assign",
    "admin:applications_close_scoring",
}


TRANSITION_OF_URL = {t.admin_url: t.name for t in workflow.TRANSITIONS.values()}


@pytest.mark.django_db
def test_every_admin_page_answers_an_officer_without_a_server_error(
    demo, client, officer, quiet_requests
):
    client.force_login(officer)
    client.raise_request_exception = False
    sweep = Sweep(client)
    for model, model_admin in registered():
        sweep_model(sweep, model, model_admin, officer)
    print(f"\nadmin sweep: {sweep.requests} requests over {len(admin.site._registry)} models")
    assert sweep.failures == [], "\n".join(sweep.failures)
    assert sweep.requests > 500


# Bad values for the add forms, by the kind of form field they go into.
LONG = "x" * 1000
NUL = "a\x00b"
NOT_NUMBERS = ("NaN", "Infinity", "1e999999")
# Too big for most columns, but SQLite takes a 16-digit integer where
# PostgreSQL's column would not (the form then checks the range): no 500 either way.
HUGE_NUMBERS = ("1234567890123456", "99999999999999999999")


def bad_values(name: str, form_field: forms.Field) -> list[tuple[str, bool]]:
    """(value, must be refused) pairs to try in one field of an add form."""
    values: list[tuple[str, bool]] = []
    if isinstance(form_field, forms.DecimalField | forms.FloatField | forms.IntegerField):
        values += [(value, True) for value in NOT_NUMBERS]
        values += [(value, False) for value in HUGE_NUMBERS]
    elif isinstance(form_field, forms.ModelChoiceField | forms.ChoiceField):
        values += [(GARBAGE, True), ("99999999", True), ("99999999999999999999", True)]
    elif isinstance(form_field, forms.DateField | forms.DateTimeField | forms.TimeField):
        values += [(GARBAGE, True), ("2013-02-30", True)]
    elif isinstance(form_field, forms.CharField):
        # A 1000-character text may be fine (a TextField); NUL never is.
        values += [(LONG, False), (NUL, True)]
    if "financial_year" in name:
        values += [("2013/15", True), ("2013/14\x00", True)]
    return values


def form_data(form: forms.BaseForm) -> dict[str, Any]:
    """What a browser would post for this form as it stands."""
    data: dict[str, Any] = {}
    for name, bound in form.fields.items():
        value = form[name].value()
        widget = bound.widget
        if isinstance(widget, forms.MultiWidget):
            parts = widget.decompress(value) if value not in (None, "") else []
            for index, part in enumerate(parts):
                data[f"{form.add_prefix(name)}_{index}"] = "" if part is None else str(part)
        elif isinstance(value, bool):
            if value:
                data[form.add_prefix(name)] = "on"
        elif isinstance(value, list | tuple):
            data[form.add_prefix(name)] = [str(item) for item in value]
        elif value is not None:
            data[form.add_prefix(name)] = str(value)
    return data


def inline_management(model_admin: admin.ModelAdmin, request) -> dict[str, str]:
    """Empty inline formsets, as the add page posts them before any row is added."""
    data = {}
    for formset, _inline in model_admin.get_formsets_with_inlines(request):
        prefix = formset.get_default_prefix()
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def sweep_add_form(
    sweep: Sweep, model: type[models.Model], model_admin: admin.ModelAdmin, officer
) -> None:
    request = officer_request(officer)
    if not model_admin.has_add_permission(request):
        return
    url = admin_url(model._meta, "add")
    form_class = model_admin.get_form(request, None, change=False)
    management = inline_management(model_admin, request)
    sweep.check(url, {200}, method="POST", data=management, contains="errornote", note="empty")
    # A real object's values, so that one bad field at a time meets an
    # otherwise filled form (it may still be refused as a duplicate).
    existing = model_admin.get_queryset(request).order_by("pk").first()
    baseline = {**form_data(form_class(instance=existing)), **management}
    copy = sweep.check(url, {200, 302}, method="POST", data=baseline, note="copy of one")
    if copy.status_code == 302:
        sweep.saved.append(model._meta.label)
    everything_long = dict(baseline)
    for name, form_field in form_class().fields.items():
        for value, refused in bad_values(name, form_field):
            key = f"{name}_0" if isinstance(form_field.widget, forms.MultiWidget) else name
            expected = {200} if refused else {200, 302}
            sweep.check(
                url,
                expected,
                method="POST",
                data={**baseline, key: value},
                note=f"with {name}={value[:20]!r}",
            )
            if value == LONG:
                everything_long[key] = value
    sweep.check(url, {200, 302}, method="POST", data=everything_long, note="every text long")


@pytest.mark.django_db
def test_every_admin_add_form_refuses_bad_values_without_a_server_error(
    demo, client, officer, quiet_requests
):
    client.force_login(officer)
    client.raise_request_exception = False
    sweep = Sweep(client)
    for model, model_admin in registered():
        sweep_add_form(sweep, model, model_admin, officer)
    print(f"\nadmin add forms: {sweep.requests} posts; a copy saved for {sweep.saved}")
    assert sweep.failures == [], "\n".join(sweep.failures)
    assert sweep.requests > 200


# Row keys a tampered or replayed action form may carry.
TAMPERED_ROWS = (["abc"], ["1.5"], ["99999999999999999999"], ["abc", "1"])


def sweep_actions(
    sweep: Sweep, model: type[models.Model], model_admin: admin.ModelAdmin, officer
) -> int:
    """Post every action of the list with row keys that are not keys: each is
    refused with the message and a redirect to the list, never a 500."""
    request = officer_request(officer)
    if not model_admin.has_view_or_change_permission(request):
        return 0
    changelist = admin_url(model._meta, "changelist")
    actions = list(model_admin.get_actions(request))
    for action in actions:
        for rows in TAMPERED_ROWS:
            response = sweep.check(
                changelist,
                {302},
                method="POST",
                data={"action": action, ACTION_CHECKBOX_NAME: rows},
                location=changelist,
                note=f"action {action} on rows {rows}",
            )
            if response.status_code == 302:
                shown = sweep.client.get(changelist).content.decode()
                if ROWS_NOT_UNDERSTOOD not in shown:
                    sweep.failures.append(f"{changelist} action {action}: no message for {rows}")
    return len(actions)


@pytest.mark.django_db
def test_every_admin_action_refuses_rows_that_are_not_keys_without_a_server_error(
    demo, client, officer, quiet_requests
):
    """Every registered model, the libraries' (axes, django-otp, auditlog) too."""
    client.force_login(officer)
    client.raise_request_exception = False
    sweep = Sweep(client)
    actions = sum(
        sweep_actions(sweep, model, model_admin, officer) for model, model_admin in registered()
    )
    print(f"\nadmin actions: {actions} actions, {sweep.requests} tampered posts")
    assert sweep.failures == [], "\n".join(sweep.failures)
    assert actions > 30


def test_every_registered_admin_has_the_guard():
    """The site adds it at registration, so no admin (ours or a library's) can miss it."""
    unguarded = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ActionRowsGuard)
    ]
    assert unguarded == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changelist", "action"),
    [
        ("/admin/applications/application/", "panel_pack_pdf"),
        ("/admin/savings/savingsentry/", "delete_selected"),
    ],
)
def test_an_action_on_rows_that_are_not_keys_is_refused_with_a_message(
    officer_client, changelist, action
):
    response = officer_client.post(
        changelist, {"action": action, "_selected_action": ["abc", "1"]}, follow=True
    )
    assert response.status_code == 200
    assert "The rows chosen were not understood: choose them again" in response.content.decode()
