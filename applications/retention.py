"""Retention: personal data goes from bids declined or withdrawn long ago and
from deactivated accounts; what the programme's figures need stays.

`anonymise` is run monthly by beat (`applications.tasks.retention_anonymise`)
and by `manage.py anonymise`. Each bid and each account is done in its own
transaction, after locking and re-reading its row, and marked done (a bid's
`anonymised_at`, an account's `anonymised-<id>` username): a failure leaves
every record either done or untouched, and a re-run (a retried task, a second
run at the same time) skips what is done.

A bid keeps its row, reference, council, partners, strand and call, state,
dates, amounts, title, scores and recommendation: the rollups, the board's
figures and the 360Giving export (approved bids only) read nothing else. Its
summary, officers' notes, the strand's free-text answers, the notes on its
events, its notices' recipients and bodies, and its documents (files and rows)
go, and so do those values in the audit trail. Table and reasons:
docs/security.md, "Retention".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from auditlog import get_logentry_model
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from applications import extensions
from applications.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    Decision,
    Document,
    Review,
    ReviewScore,
)
from programmes import audit, documents
from programmes import retention as core
from programmes.models import User
from programmes.notices.models import Notice, NoticeStatus
from programmes.permissions import Actor, require_officer

CLOSED = (ApplicationState.DECLINED, ApplicationState.WITHDRAWN)
# Free text on the bid itself that may name people; the title stays (a
# project's name, and what the council and the board know the bid by).
BID_PERSONAL_FIELDS = ("summary", "assessment_notes", "moderation_reason", "search_document")
DOCUMENT_PERSONAL_FIELDS = ("original_name", "stored_name")


@dataclass
class RetentionReport:
    bids: int = 0
    documents: int = 0
    users: int = 0
    audit_entries: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def free_text_fields(model: type[models.Model]) -> list[str]:
    """A strand detail's typed answers: text a council wrote (not a choice)."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and not field.primary_key
    ]


def bids_due(*, now: datetime, years: int) -> QuerySet[Application]:
    """Bids declined or withdrawn more than `years` ago, not yet anonymised.

    A bid closes at its "Declined" or "Bid withdrawn" event (a withdrawal sets
    no decision date); bids without such an event (loaded before events
    existed) fall back on the decision date, then the last change.
    """
    closed_at = Max("events__at", filter=Q(events__to_state__in=CLOSED))
    return (
        Application.objects.filter(state__in=CLOSED, anonymised_at__isnull=True)
        .annotate(closed_at=Coalesce(closed_at, "decided_at", "updated_at"))
        .filter(closed_at__lt=core.years_before(now, years))
        .order_by("pk")
    )


@transaction.atomic
def bid_anonymise(
    *, application: Application, actor: Actor, now: datetime, delete_files: bool = True
) -> RetentionReport | None:
    """Remove the personal data of one closed bid; None if already done."""
    require_officer(actor)
    # Locked and read again: a run at the same time may have done it.
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__strand")
        .get(pk=application.pk)
    )
    if application.anonymised_at is not None or application.state not in CLOSED:
        return None
    files = list(application.documents.all())
    # Files first, rows after: if the transaction then fails, the rows stay
    # and the next run deletes them (deleting a missing file does nothing).
    # The other order could leave a file nothing points at any more.
    if delete_files:
        for document in files:
            documents.document_delete_file(document.stored_name)
    for document in files:
        document.delete()  # audited: the entry is scrubbed below

    for name in BID_PERSONAL_FIELDS:
        setattr(application, name, "")
    # The search text is made again from what is left (no free text).
    application.search_document = "\n".join(
        [application.reference, application.lead_council.name, application.title]
    )
    application.anonymised_at = now
    application.save()
    detail = application.strand_detail()
    detail_fields: list[str] = []
    if detail is not None:
        detail_fields = free_text_fields(type(detail))
        for name in detail_fields:
            setattr(detail, name, "")
        detail.save()

    # The assessors' notes go too (row by row, so the audit trail sees it);
    # their scores stay (figures).
    for review in Review.objects.filter(application=application):
        review.notes = review.conflict_note = ""
        review.save(update_fields=["notes", "conflict_note"])
    for score in ReviewScore.objects.filter(review__application=application).exclude(note=""):
        score.note = ""
        score.save(update_fields=["note"])
    # The decisions' reasons (a decline's reasons are the council's letter);
    # who decided, when and under which rule stay.
    decisions = list(application.decisions.all())
    for decision in decisions:
        decision.reason = decision.second_reason = ""
        decision.save(update_fields=["reason", "second_reason"])
    # Neither is audited (the events are the bid's own timeline).
    ApplicationEvent.objects.filter(application=application).exclude(note="").update(note="")
    Notice.objects.filter(application=application).update(
        recipient=core.REMOVED, body=core.REMOVED, last_error=""
    )

    entries = core.audit_scrub(
        model=Application, object_ids=[application.pk], fields=BID_PERSONAL_FIELDS
    )
    entries += core.audit_scrub(
        model=Document,
        object_ids={document.pk for document in files} | set(_documents_in_log(application)),
        fields=DOCUMENT_PERSONAL_FIELDS,
        scrub_repr=True,
    )
    entries += core.audit_scrub(
        model=Decision,
        object_ids=[decision.pk for decision in decisions],
        fields=["reason", "second_reason"],
    )
    if detail is not None:
        entries += core.audit_scrub(
            model=type(detail), object_ids=[detail.pk], fields=detail_fields
        )
    return RetentionReport(bids=1, documents=len(files), audit_entries=entries)


def _documents_in_log(application: Application) -> list[int]:
    """Every document the log knows for this bid, including those the council
    removed earlier (only the log remembers them, by the bid's id in the
    entry of their upload)."""
    return list(
        get_logentry_model()
        .objects.filter(
            content_type=ContentType.objects.get_for_model(Document),
            action=get_logentry_model().Action.CREATE,
            changes__application__1=str(application.pk),
        )
        .values_list("object_id", flat=True)
    )


@transaction.atomic
def account_anonymise(*, user: User, actor: Actor) -> RetentionReport | None:
    """A deactivated account, and the notices that were addressed to it."""
    done = core.account_anonymise(user=user, actor=actor)
    if done is None:
        return None
    if done.old_email:
        notices = Notice.objects.filter(recipient__iexact=done.old_email)
        # Nothing can be sent to an address that is gone.
        notices.filter(status__in=[NoticeStatus.PENDING, NoticeStatus.RETRYING]).update(
            status=NoticeStatus.FAILED
        )
        notices.update(recipient=core.REMOVED, body=core.REMOVED, last_error="")
    # What the layers above hold of the person, e.g. the name they signed
    # savings returns' declarations with (applications.extensions).
    entries = extensions.user_anonymised(user=user)
    return RetentionReport(users=1, audit_entries=done.audit_entries + entries)


def _run(*, actor: Actor, now: datetime, years: int, delete_files: bool) -> RetentionReport:
    report = RetentionReport()
    for application in bids_due(now=now, years=years):
        done = bid_anonymise(
            application=application, actor=actor, now=now, delete_files=delete_files
        )
        if done is not None:
            report.bids += done.bids
            report.documents += done.documents
            report.audit_entries += done.audit_entries
    for user in core.accounts_due(now=now):
        done = account_anonymise(user=user, actor=actor)
        if done is not None:
            report.users += done.users
            report.audit_entries += done.audit_entries
    return report


def anonymise(
    *,
    actor: Actor,
    now: datetime | None = None,
    years: int | None = None,
    dry_run: bool = False,
) -> RetentionReport:
    """Anonymise every bid and account due; what was done, in counts.

    A dry run does the same work in one transaction that is then rolled
    back, and deletes no file: its counts are exactly what a real run would
    report, and nothing changes.
    """
    require_officer(actor)
    now = now or timezone.now()
    years = settings.RETENTION_YEARS if years is None else years
    if years < 1:
        raise ValueError("Keep bids for at least one year")
    # The entries the anonymisation itself writes say it came through retention.
    with audit.through(audit.RETENTION):
        if not dry_run:
            return _run(actor=actor, now=now, years=years, delete_files=True)
        with transaction.atomic():
            report = _run(actor=actor, now=now, years=years, delete_files=False)
            transaction.set_rollback(True)
    report.dry_run = True
    return report
