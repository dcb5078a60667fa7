"""The audit trail of money and decisions, kept by django-auditlog.

django-auditlog records who changed which field of an audited row, from what
to what, from the model signals that every write path fires: a service's
save(), the admin's save and delete, a bulk action's save(update_fields=...)
and a queryset's delete() (which sends a delete signal per row once anything
listens). queryset.update() and bulk_create() send no signal, so services
never use them on audited models.

This module adds what the library leaves open: "through what" a change came
(a page, the admin, an import, a bulk action, or the system: the worker, demo
data, a shell), kept in each entry's `additional_data`. The web middleware,
the import service and the admin's bulk actions (programmes/admin_tools.py,
AuditTrailMixin) set it; anything else is the system.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

from auditlog import get_logentry_model
from auditlog.middleware import AuditlogMiddleware
from auditlog.registry import auditlog
from django.apps import apps
from django.db import models
from django.db.models.signals import pre_save
from django.http import HttpRequest

if TYPE_CHECKING:
    from auditlog.models import LogEntry

PAGE = "page"
ADMIN = "admin"
IMPORT = "import"
BULK_ACTION = "bulk action"
RETENTION = "retention"
SYSTEM = "system"

_through: ContextVar[str] = ContextVar("audit_through", default=SYSTEM)
# Why the change was made, where the officer had to say (an effective date
# earlier than today: docs/savings.md, "Effective dates").
_reason: ContextVar[str] = ContextVar("audit_reason", default="")

# Money and decisions: bids and what officers decide on them, the strands'
# bid details and delivery records, and investment and savings facts.
# ApplicationEvent is left out: it is itself the bid's timeline, appended to
# by the services and never edited; the bid's own changes are audited here.
AUDITED: dict[str, dict] = {
    "applications.Call": {},
    "applications.Application": {
        # The search text and the mean are derived, kept by the services.
        "exclude_fields": ["updated_at", "version", "search_document", "mean_score"],
        "m2m_fields": ["partner_councils"],
    },
    "applications.Score": {},
    # Who decided, under which rule, and the second decider.
    "applications.Decision": {},
    # Assessors' declarations and scores; their free-text notes stay out of
    # the trail (retention removes them from the rows).
    "applications.Review": {"exclude_fields": ["notes", "conflict_note"]},
    "applications.ReviewScore": {"exclude_fields": ["note"]},
    "applications.Document": {},
    # A partner council's answer to a bid, and an officer's letter.
    "applications.PartnerConfirmation": {},
    # Each council's share of an award (docs/board.md, "Councils served and shares").
    "applications.AwardShare": {},
    # The bid's reference is a copy, kept by the services for the search.
    "savings.Investment": {"exclude_fields": ["bid_reference"]},
    "savings.SavingsEntry": {"exclude_fields": ["bid_reference"]},
    "returns.SavingsReturn": {},
    # Money out (docs/money.md): budgets, what awards commit, claims and payments.
    "payments.Budget": {"exclude_fields": ["updated_at"]},
    "payments.StrandLedger": {},
    "payments.CallClaimRule": {},
    "payments.Commitment": {},
    "payments.Claim": {},
    # The snapshot is written once, when published: the entry says so.
    "board.BoardPaper": {"exclude_fields": ["snapshot", "updated_at"]},
    "experts.ExpertsBidDetail": {},
    "experts.ExpertsSavingsProjection": {},
    "experts.Appointment": {},
    "growth.GrowthBidDetail": {},
    "growth.AdviserDay": {},
    # Adviser days costed into claims to the adviser's organisation (docs/money.md).
    "growth.AdviserCosting": {},
    # The panel as at a date (docs/board.md): joining and leaving days.
    "growth.Adviser": {},
    "ope.OpeBidDetail": {},
    "ope.Pilot": {},
    "ope.ProjectPlan": {"exclude_fields": ["updated_at"]},
    "ope.ResourceAllocation": {},
    "asce.AsceReturn": {"exclude_fields": ["updated_at"]},
    "asce.AsceProjection": {},
    "procurement.WorkstreamSaving": {},
    # Board seats and reporting deadlines as at a date (docs/board.md).
    "procurement.ProgrammeBoardMember": {},
    "procurement.ReportingDeadline": {},
    # Who may do what: invitations (never the token's hash), and a user's
    # switches and role (programmes/accounts.py, the user admin).
    "programmes.Invitation": {"exclude_fields": ["token_hash"]},
    # The register: a council's successors decide whose history its users
    # may read (docs/councils.md).
    "programmes.Council": {"m2m_fields": ["successors"]},
    "programmes.User": {
        "include_fields": [
            "is_active",
            "is_council_lead",
            "is_finance_officer",
            "is_staff",
            "is_superuser",
            "council",
            "groups",
            "user_permissions",
        ],
        "m2m_fields": ["groups", "user_permissions"],
    },
}


# Assessors' scores and reviews: independent until every assessor has scored,
# so the audit log's own list (every entry of every record) shows them only to
# superusers; officers read them in a bid's own trail, which follows the bid's
# rules (applications.workflow.scores_visible).
RESTRICTED = ("applications.Review", "applications.ReviewScore", "applications.Score")


def current_through() -> str:
    return _through.get()


@contextlib.contextmanager
def through(channel: str) -> Iterator[None]:
    """Entries written inside this block say they came through `channel`."""
    token = _through.set(channel)
    try:
        yield
    finally:
        _through.reset(token)


@contextlib.contextmanager
def reason(text: str) -> Iterator[None]:
    """Entries written inside this block carry the officer's reason."""
    token = _reason.set(text)
    try:
        yield
    finally:
        _reason.reset(token)


def _stamp_through(sender, instance: LogEntry, **kwargs) -> None:
    # A pre_save receiver on the library's own log entry, not on a business
    # model: the entry is written by the library, so this is the one place
    # every entry passes before it is stored.
    data = instance.additional_data if isinstance(instance.additional_data, dict) else {}
    stamp = {"through": current_through()}
    if _reason.get():
        stamp["reason"] = _reason.get()
    instance.additional_data = {**stamp, **data}


def register() -> None:
    """Register the audited models with auditlog; called once from AppConfig.ready."""
    for label, options in AUDITED.items():
        model = apps.get_model(label)
        # Reverse relations (a bid's scores, events, notices) are rows of
        # their own, audited there; listed here they only add "None" rows.
        reverse = [
            field.name
            for field in model._meta.get_fields()
            if field.auto_created and not field.concrete
        ]
        options = {**options, "exclude_fields": [*options.get("exclude_fields", []), *reverse]}
        if not auditlog.contains(model):
            auditlog.register(model, **options)
    pre_save.connect(
        _stamp_through, sender=get_logentry_model(), dispatch_uid="programmes.audit.through"
    )


def _admin_prefix() -> str:
    from django.urls import reverse

    return reverse("admin:index")


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware (actor, address, correlation id) plus "through
    what": the admin for anything under the admin's prefix, else a page. The
    admin's bulk actions say so themselves (AuditTrailMixin.response_action).
    """

    def __call__(self, request: HttpRequest):
        channel = ADMIN if request.path.startswith(_admin_prefix()) else PAGE
        with through(channel):
            return super().__call__(request)


def audited_parts(obj: models.Model, depth: int = 2) -> list[models.Model]:
    """The audited rows that belong to `obj` (a bid's scores, documents and
    strand details, and the details' own projections), for its audit trail."""
    parts: list[models.Model] = []
    if depth == 0:
        return parts
    for relation in obj._meta.related_objects:
        if not auditlog.contains(relation.related_model):
            continue
        if relation.one_to_one:
            part = getattr(obj, relation.get_accessor_name() or "", None)
            found = [part] if part is not None else []
        elif relation.one_to_many:
            found = list(getattr(obj, relation.get_accessor_name() or "").all())
        else:
            continue
        for part in found:
            parts += [part, *audited_parts(part, depth - 1)]
    return parts
