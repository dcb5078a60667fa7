"""Every write to calls, bids, scores and documents. Keyword-only, one transaction each.

Each state change is one function here. It locks the bid's row (so two
officers, or an officer and a council, cannot both move it from the same
state), checks who may make the change and from which state, records an
event (who, when, from, to, note) and queues an email notice for after commit.

Who may act is decided by programmes/permissions.py: a council's own users
for the bid's draft, answers and withdrawal (`require_council_user`), LGA
officers for calls and assessment (`require_officer`). `actor` is required:
views and the admin pass `request.user`, the demo loader `DEMO`, imports
`IMPORT`; `None` is refused. Events and `..._by` fields store `as_user(actor)`
(empty when the portal acted).
`at` lets a loader replay history (the demo's 2013 bids); it defaults to now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone

from applications import emails, extensions, workflow
from applications.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    AwardShare,
    AwardSharePast,
    Call,
    Conflict,
    Decision,
    DecisionOutcome,
    DecisionStatus,
    Document,
    DocumentPurpose,
    PartnerConfirmation,
    PartnerStatus,
    Recommendation,
    ReferenceSequence,
    Review,
    ReviewScore,
    Score,
    mean_score,
)
from applications.sections import (
    answers_by_section,
    section_get,
    section_instance,
    section_statuses,
)
from programmes import documents
from programmes.models import Council, Strand, User
from programmes.permissions import (
    Actor,
    as_user,
    is_system,
    require_council_user,
    require_officer,
)
from programmes.roles import OFFICER, user_role
from programmes.services import model_update
from programmes.versions import BOARD, version_bump
from savings.services import investment_record
from savings.years import financial_year_of

State = ApplicationState

# How long a council has, by default, to answer a request for more information.
INFORMATION_DAYS = 14
# The states a bid is assessed in: assessors score it, the lead moderates it.
ASSESSING = workflow.ASSESSING


class StaleEditError(ValidationError):
    """Someone else saved the draft after this user opened the page."""


def _require_call_open(call: Call, at: datetime, action: str) -> None:
    if at < call.opens_at:
        raise ValidationError(
            f"You cannot {action} yet: {call.title} opens on "
            f"{timezone.localtime(call.opens_at):%-d %B %Y}",
            code="call_not_open",
        )
    if at >= call.closes_at:
        raise ValidationError(
            f"You cannot {action}: {call.title} closed at {call.closing_text()}",
            code="call_closed",
        )


def _lock(application: Application) -> Application:
    # The row lock serialises transitions of one bid: without it two officers
    # could approve the same bid twice and record its investment twice.
    # Only the bid's own row (of=self): FOR UPDATE on the join also locked
    # its call, strand and council, so every bid of a round queued behind
    # one another, and two sends deadlocked with the board's version row
    # (the load benchmark's deadline day: 10 of 11 errors).
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call__strand", "lead_council")
        .get(pk=application.pk)
    )


def _take(
    application: Application,
    *,
    actor: Actor,
    by: Literal["officer", "council"],
    states: tuple[str, ...],
    action: str,
) -> Application:
    """Every transition's start: lock the bid, check who acts (`by`: "officer"
    or "council", the bid's lead council), then the state it is moving from."""
    application = _lock(application)
    if by == "officer":
        require_officer(actor)
    else:
        require_council_user(actor, application.lead_council_id)
    workflow.require_state(application, states, action)
    return application


def _transition(application: Application, *, actor: Actor, name: str, action: str) -> Application:
    """A declared transition's start (applications.workflow): lock the bid,
    then check the person against the transition's rules and its states."""
    application = _lock(application)
    workflow.require(name, application, actor, action)
    return application


def _event(
    application: Application,
    *,
    actor: Actor,
    description: str,
    at: datetime,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    visible: bool = True,
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        actor=as_user(actor),
        at=at,
        from_state=from_state,
        to_state=to_state,
        description=description,
        note=note,
        visible_to_applicant=visible,
    )


def _move(
    application: Application,
    *,
    actor: Actor,
    to: str,
    at: datetime,
    description: str,
    note: str = "",
    notify: bool,
    notices: tuple[tuple[str, str], ...],
) -> Application:
    from_state = application.state
    application.state = to
    application.version += 1
    application.full_clean(exclude=["partner_councils"])
    application.save()
    # The board's bid counts and awards are cached under this version
    # (programmes.versions): bumped after the bid's own row is written.
    version_bump(BOARD)
    event = _event(
        application,
        actor=actor,
        description=description,
        at=at,
        from_state=from_state,
        to_state=to,
        note=note,
    )
    if notify:
        for audience, subject in notices:
            emails.notice_queue(
                application=application, event=event, audience=audience, subject=subject
            )
    return application


# Creating and editing a draft ---------------------------------------------------


def _reference_next(strand: Strand, year: int) -> str:
    prefix = strand.spec.reference_prefix
    sequence, _ = ReferenceSequence.objects.select_for_update().get_or_create(
        prefix=prefix, year=year
    )
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{prefix}-{year}-{sequence.last:04d}"


@transaction.atomic
def call_create(
    *,
    strand: Strand,
    actor: Actor,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    **limits,
) -> Call:
    """Open a funding round for a strand. `limits`: assessment_due, guidance,
    max_amount, or max_days with day_rate, support_from and support_until."""
    require_officer(actor)
    call = Call(strand=strand, title=title, opens_at=opens_at, closes_at=closes_at, **limits)
    call.full_clean()
    call.save()
    return call


@transaction.atomic
def call_update(*, actor: Actor, call: Call, data: Mapping[str, Any]) -> Call:
    """Change the round's fields named in `data` (the demo turns certification
    of returns on this way; officers use the calls admin)."""
    require_officer(actor)
    stored = Call.objects.select_for_update().get(pk=call.pk)
    stored, _changed = model_update(instance=stored, fields=tuple(data), data=data)
    return stored


def _require_council_exists(council: Council, on: date, action: str) -> None:
    # An abolished council keeps its history (bids, awards, savings) but can
    # take on nothing new after the date it ceased to exist.
    if council.abolished_by(on):
        raise ValidationError(
            f"{council.name} was abolished on {council.abolished_on:%-d %B %Y}: it cannot {action}",
            code="council_abolished",
        )


@transaction.atomic
def application_create(
    *,
    call: Call,
    council: Council,
    actor: Actor,
    title: str = "",
    at: datetime | None = None,
) -> Application:
    """Start a draft bid on an open call, with an empty strand-detail row.

    A council has at most one draft per call: if it has one already, that
    draft is returned (`application.created` is False) instead of a second.
    """
    at = at or timezone.now()
    spec = call.strand.spec
    if not spec.bid_based:
        raise ValidationError(f"{call.strand.name} does not take bids", code="not_bid_based")
    require_council_user(actor, council.pk)
    _require_call_open(call, at, "start a bid")
    # Locking the council's row serialises "Start a bid" for one council, so
    # a double click or two colleagues at once find the first draft instead
    # of making another. The partial unique constraint
    # one_draft_per_council_per_call is the backstop.
    council = Council.objects.select_for_update().get(pk=council.pk)
    _require_council_exists(council, timezone.localdate(at), "start new bids")
    existing = Application.objects.filter(
        call=call, lead_council=council, state=State.DRAFT
    ).first()
    if existing is not None:
        existing.created = False
        return existing
    year = timezone.localtime(call.opens_at).year
    application = Application(
        call=call,
        lead_council=council,
        reference=_reference_next(call.strand, year),
        title=title,
        created_by=as_user(actor),
    )
    application.search_document = "\n".join([application.reference, council.name, title])
    application.full_clean(exclude=["partner_councils"])
    application.save()
    Application.objects.filter(pk=application.pk).update(created_at=at)
    application.refresh_from_db()
    detail_model = application.detail_model()
    if detail_model is not None:
        detail_model._default_manager.create(application=application)
    _event(application, actor=actor, description="Bid started", at=at, to_state=State.DRAFT)
    version_bump(BOARD)  # one more draft on the board (programmes.versions)
    application.created = True
    return application


@transaction.atomic
def application_section_save(
    *,
    application: Application,
    actor: Actor,
    section: str,
    answers: dict,
    version: int | None,
) -> Application:
    """Save one question page's answers on a draft.

    `version` is the draft's version when the page was opened. If another
    user of the council has saved since, nothing is written and a
    StaleEditError says so, so that neither person's answers vanish silently.
    A page that brings no version (None: missing or malformed) is treated as
    stale too; only the portal (a SystemActor: demo, imports) may skip it.
    """
    application = _take(
        application, actor=actor, by="council", states=(State.DRAFT,), action="change"
    )
    if (not is_system(actor) or version is not None) and version != application.version:
        raise StaleEditError(
            f"{_who_changed(application, actor)} after you opened this page. "
            "Your answers have not been saved: check them against the saved bid, then save again",
            code="stale",
        )
    target = section_instance(application, section_get(application, section))
    many = {}
    changed = set()
    concrete = {field.name: field for field in target._meta.get_fields()}
    for name, value in answers.items():
        field = concrete.get(name)
        if field is None or field.auto_created or not getattr(field, "editable", True):
            continue
        if isinstance(field, models.ManyToManyField):
            many[name] = value
        else:
            setattr(target, name, value)
            changed.add(name)
    if target is not application:
        _clean_changed(target, changed)
        target.save()
    if hasattr(target, "save_extra_answers"):
        target.save_extra_answers(answers)
    for name, value in many.items():
        getattr(target, name).set(value)
    if "partner_councils" in many:
        _partners_sync(application, actor=actor)
    application.version += 1
    application.search_document = _search_document(application, answers=False)
    own = changed if target is application else set()
    _clean_changed(application, own | {"version", "search_document"})
    application.save()
    return application


def _constraint_fields(constraint: models.BaseConstraint) -> set[str]:
    """The fields a constraint reads (its condition's and its own)."""
    names = set(getattr(constraint, "fields", ()) or ())
    pending: list[Any] = [
        getattr(constraint, "condition", None),
        *(getattr(constraint, "expressions", ()) or ()),
    ]
    while pending:
        node = pending.pop()
        if isinstance(node, models.Q):
            pending.extend(node.children)
        elif isinstance(node, tuple):
            names.add(node[0].split("__", 1)[0])
            pending.append(node[1])
        elif isinstance(node, models.F):
            names.add(node.name.split("__", 1)[0])
        elif isinstance(node, models.Expression):
            pending.extend(node.get_source_expressions())
    return names


def _clean_changed(instance: models.Model, changed: set[str]) -> None:
    """`full_clean()` of what one save changes: the fields it set, the
    constraints and unique checks that read them (with every field they
    read), and the model's `clean()`. The other fields were checked when
    they were saved, and checking again cost a query for each constraint
    and unique field on every question page (issue 26: about a third of a
    saved answer's CPU)."""
    meta = instance._meta
    checked = set(changed)
    # Uniques are UniqueConstraints here (no model declares unique_together).
    for constraint in meta.constraints:
        fields = _constraint_fields(constraint)
        if fields & changed:
            checked |= fields
    instance.full_clean(exclude=[field.name for field in meta.fields if field.name not in checked])


def _who_changed(application: Application, actor: Actor) -> str:
    """Who saved the bid last, from its audit trail: the same person in
    another tab or window was told "Someone else at your council" (issue 27)."""
    from auditlog.models import LogEntry

    entry = (
        LogEntry.objects.get_for_object(application)
        .select_related("actor")
        .order_by("-timestamp", "-pk")
        .first()
    )
    last = entry.actor if entry else None
    if last is None:
        return "This bid was changed"
    if last.pk == getattr(actor, "pk", None):
        return "You changed this bid in another tab or window"
    return f"{last.display_name} at your council changed this bid"


def _check_request_within_limits(application: Application) -> None:
    call = application.call
    if call.awards_days:
        days = application.days_requested
        assert call.max_days is not None, "a call that awards days has max_days"
        if days is None or not 1 <= days <= call.max_days:
            raise ValidationError(
                f"Ask for between 1 and {call.max_days} adviser days", code="over_limit"
            )
    elif call.max_amount is not None and (application.amount_requested or 0) > call.max_amount:
        raise ValidationError(
            f"Ask for £{call.max_amount:,.0f} or less: the most this call awards",
            code="over_limit",
        )


@transaction.atomic
def application_submit(
    *,
    application: Application,
    actor: Actor,
    at: datetime | None = None,
    notify: bool = True,
) -> Application:
    """Send a complete draft for assessment, while its call is open."""
    at = at or timezone.now()
    application = _transition(application, actor=actor, name="submit", action="send")
    _require_call_open(application.call, at, "send this bid")
    incomplete = [s.section.title for s in section_statuses(application) if not s.complete]
    if incomplete:
        raise ValidationError(
            f"Complete every section before you send the bid: {', '.join(incomplete)}",
            code="incomplete",
        )
    _check_request_within_limits(application)
    application.submitted_at = at
    application.search_document = _search_document(application)
    for assessor in application.call.default_assessors.all():
        Review.objects.get_or_create(
            application=application, assessor=assessor, defaults={"assigned_at": at}
        )
    return _move(
        application,
        actor=actor,
        to=State.SUBMITTED,
        at=at,
        description="Bid sent",
        notify=notify,
        notices=(
            (emails.COUNCIL, f"We have received your bid {application.reference}"),
            (emails.OFFICERS, f"New bid to assess: {application.reference}"),
        ),
    )


# Assessment ----------------------------------------------------------------------


@transaction.atomic
def application_assessment_start(
    *,
    application: Application,
    actor: Actor,
    at: datetime | None = None,
    notify: bool = True,
) -> Application:
    application = _transition(
        application, actor=actor, name="start_assessment", action="start assessing"
    )
    return _move(
        application,
        actor=actor,
        to=State.IN_ASSESSMENT,
        at=at or timezone.now(),
        description="Assessment started",
        notify=notify,
        notices=((emails.COUNCIL, f"Your bid {application.reference} is being assessed"),),
    )


@transaction.atomic
def assessment_save(
    *,
    application: Application,
    actor: Actor,
    scores: dict[str, int | None],
    recommendation: str = "",
    notes: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> Application:
    """Record the moderated scores (1-5, None for not applicable), recommendation and notes.

    Criteria not in `scores` are left unscored. When assessors have submitted
    their own scores, these are the lead's moderation of them: only the
    bid's lead officer (any officer while it has none) records them, with a
    `reason`. The scores are internal: the event is not shown to the council.
    """
    application = _transition(application, actor=actor, name="moderate", action="assess")
    _check_scores(application, scores)
    if recommendation and recommendation not in Recommendation.values:
        raise ValidationError("Choose a recommendation from the list", code="recommendation")
    moderating = application.reviews.filter(submitted_at__isnull=False).exists()
    if moderating and scores and not reason.strip():
        raise ValidationError(
            "Give the reason for the moderated scores and recommendation", code="reason"
        )
    application.scores.exclude(criterion__in=scores).delete()
    for key, score in scores.items():
        Score.objects.update_or_create(
            application=application, criterion=key, defaults={"score": score}
        )
    at = at or timezone.now()
    application.recommendation = recommendation
    application.assessment_notes = notes
    application.moderation_reason = reason
    application.moderated_at = at if scores else None
    application.save(
        update_fields=[
            "recommendation",
            "assessment_notes",
            "moderation_reason",
            "moderated_at",
            "updated_at",
        ]
    )
    _mean_store(application)
    _event(
        application,
        actor=actor,
        description="Scores moderated" if moderating else "Assessment updated",
        at=at,
        note=reason,
        visible=False,
    )
    return application


def _check_scores(application: Application, scores: dict[str, int | None]) -> dict[str, str]:
    """The strand's criteria, once the scores are known to be for them and 1-5 or None."""
    criteria = dict(application.call.strand.spec.assessment_criteria)
    unknown = set(scores) - set(criteria)
    if unknown:
        raise ValidationError(f"Unknown criteria: {', '.join(sorted(unknown))}", code="criteria")
    for key, score in scores.items():
        if score is not None and not 1 <= score <= 5:
            raise ValidationError(
                f"Score {criteria[key]} from 1 to 5, or not applicable", code="score"
            )
    return criteria


def _mean_store(application: Application) -> None:
    """Store the list's mean: the moderated scores' where the lead has scored,
    otherwise the assessors' submitted scores'. Not applicable is left out."""
    moderated = list(Score.objects.filter(application=application).values_list("score", flat=True))
    if not moderated:
        moderated = list(
            ReviewScore.objects.filter(
                review__application=application, review__submitted_at__isnull=False
            ).values_list("score", flat=True)
        )
    application.mean_score = mean_score(moderated)
    # updated_at too: the panel pack's PDF is named by it, so a pack printed
    # before a review is never served after it.
    application.save(update_fields=["mean_score", "updated_at"])


def _search_document(application: Application, *, answers: bool = True) -> str:
    """Reference, councils, title, summary and every answer as one text, for
    the officers' search. A draft's saves keep the first parts current;
    sending the bid adds the answers (`answers`, a dozen queries)."""
    council = application.lead_council
    parts = [application.reference, council.name, council.short_name]
    parts += [partner.name for partner in application.partner_councils.all()]
    parts += [application.title, application.summary]
    for _section, rows in answers_by_section(application) if answers else ():
        parts.extend(value for _label, value in rows if value)
    return "\n".join(part for part in parts if part)


# Assignment, conflicts of interest and independent scoring -------------------------


def _require_officers(users: Iterable[User], what: str) -> None:
    for user in users:
        if not user.is_active or user_role(user) != OFFICER:
            raise ValidationError(
                f"{user.get_full_name() or user.username} is not an LGA officer: "
                f"only officers can be {what}",
                code="not_officer",
            )


@transaction.atomic
def assessors_assign(
    *,
    application: Application,
    actor: Actor,
    assessors: Iterable[User],
    lead_officer: User | None = None,
    replace: bool = True,
    at: datetime | None = None,
) -> Application:
    """Set the bid's assessors and lead officer (`lead_officer=None` keeps the lead).

    `replace`: the assessors are exactly these (the assessment page), else
    they are added to those already assigned (the bulk action). An assessor
    who has submitted scores or declared a conflict stays on the record.
    """
    application = _transition(application, actor=actor, name="assign", action="assign assessors to")
    assessors = list(assessors)
    _require_officers(assessors, "assessors")
    at = at or timezone.now()
    changes = []
    if lead_officer is not None and lead_officer.pk != application.lead_officer_id:
        _require_officers([lead_officer], "lead officers")
        application.lead_officer = lead_officer
        application.save(update_fields=["lead_officer", "updated_at"])
        changes.append(f"lead officer {lead_officer.display_name}")
    current = {review.assessor_id: review for review in application.reviews.all()}
    for assessor in assessors:
        if assessor.pk not in current:
            Review.objects.create(application=application, assessor=assessor, assigned_at=at)
            changes.append(f"assessor {assessor.display_name} added")
    if replace:
        wanted = {assessor.pk for assessor in assessors}
        for assessor_id, review in current.items():
            if assessor_id in wanted or review.submitted_at or review.conflict:
                continue
            review.delete()
            changes.append(f"assessor {review.assessor.display_name} removed")
    if changes:
        _event(
            application,
            actor=actor,
            description="Assessors assigned",
            note="; ".join(changes),
            at=at,
            visible=False,
        )
    return application


def _review_take(review: Review, actor: Actor, name: str, action: str) -> Review:
    """Lock the bid, then check the actor is this review's assessor (or the
    portal) and may take the transition (applications.workflow); the review
    as it is now."""
    application = _lock(review.application)
    user = as_user(actor)
    if user is not None and user.pk != review.assessor_id:
        require_officer(actor)
        raise PermissionDenied("Only the assigned assessor can do this")
    workflow.require(name, application, actor, action)
    review = Review.objects.select_related("assessor").get(pk=review.pk)
    review.application = application
    return review


@transaction.atomic
def conflict_declare(
    *,
    review: Review,
    actor: Actor,
    conflict: bool,
    note: str = "",
    at: datetime | None = None,
) -> Review:
    """The assessor declares, before scoring, whether they have a conflict of
    interest with the council. A conflict takes them off the bid for good:
    they cannot score it, and the lead sees the declaration."""
    review = _review_take(review, actor, "declare", "declare an interest in")
    if review.conflicted:
        raise PermissionDenied(
            "You have declared a conflict of interest: you cannot assess this bid"
        )
    if review.submitted_at:
        raise ValidationError("You have already submitted your scores", code="submitted")
    if conflict and not note.strip():
        raise ValidationError(
            "Say what the conflict of interest is (for the lead officer)", code="required"
        )
    at = at or timezone.now()
    review.conflict = Conflict.CONFLICT if conflict else Conflict.NONE
    review.conflict_note = note if conflict else ""
    review.declared_at = at
    review.save(update_fields=["conflict", "conflict_note", "declared_at"])
    if conflict:
        ReviewScore.objects.filter(review=review).delete()
        _event(
            review.application,
            actor=actor,
            description=f"Conflict of interest declared by {review.assessor.display_name}",
            note=note,
            at=at,
            visible=False,
        )
    return review


@transaction.atomic
def review_save(
    *,
    review: Review,
    actor: Actor,
    scores: dict[str, int | None],
    score_notes: dict[str, str] | None = None,
    recommendation: str = "",
    notes: str = "",
    submit: bool = False,
    at: datetime | None = None,
) -> Review:
    """The assessor's own scores (1-5, None for not applicable, each with an
    optional note) and recommendation. Saved as a draft until `submit`: then
    every criterion must be scored and a recommendation made, the scores are
    final, and the assessor sees the others' scores."""
    review = _review_take(review, actor, "score", "score")
    if review.conflicted:
        raise PermissionDenied(
            "You have declared a conflict of interest: you cannot score this bid"
        )
    if review.conflict != Conflict.NONE:
        raise ValidationError(
            "Declare whether you have a conflict of interest before you score", code="undeclared"
        )
    if review.submitted_at:
        raise ValidationError("You have already submitted your scores", code="submitted")
    application = review.application
    criteria = _check_scores(application, scores)
    if recommendation and recommendation not in Recommendation.values:
        raise ValidationError("Choose a recommendation from the list", code="recommendation")
    if submit:
        missing = [label for key, label in criteria.items() if key not in scores]
        if missing:
            raise ValidationError(
                f"Score every criterion before you submit (not applicable counts): "
                f"{', '.join(missing)}",
                code="incomplete",
            )
        if not recommendation:
            raise ValidationError(
                "Choose a recommendation before you submit", code="recommendation"
            )
    score_notes = score_notes or {}
    review.scores.exclude(criterion__in=scores).delete()
    for key, score in scores.items():
        ReviewScore.objects.update_or_create(
            review=review,
            criterion=key,
            defaults={"score": score, "note": score_notes.get(key, "")},
        )
    at = at or timezone.now()
    review.recommendation = recommendation
    review.notes = notes
    review.submitted_at = at if submit else None
    review.save(update_fields=["recommendation", "notes", "submitted_at"])
    if submit:
        _mean_store(application)
        _event(
            application,
            actor=actor,
            description=f"Scores submitted by {review.assessor.display_name}",
            at=at,
            visible=False,
        )
    return review


@transaction.atomic
def information_answer_read(*, application: Application, actor: Actor) -> Application:
    """An officer has read the council's answer: it leaves the queue of answers to read."""
    application = _transition(application, actor=actor, name="read_answer", action="read")
    application.information_answered_at = None
    application.save(update_fields=["information_answered_at", "updated_at"])
    return application


@transaction.atomic
def application_information_request(
    *,
    application: Application,
    actor: Actor,
    message: str,
    respond_by: date | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Application:
    """Ask the council for more information, by `respond_by` (default: in
    INFORMATION_DAYS days); the council sees both at the top of its bid."""
    if not message.strip():
        raise ValidationError("Enter the information you need", code="required")
    at = at or timezone.now()
    respond_by = respond_by or timezone.localdate(at) + timedelta(days=INFORMATION_DAYS)
    if respond_by <= timezone.localdate(at):
        raise ValidationError(
            "The date the council must answer by must be in the future", code="respond_by"
        )
    application = _transition(
        application,
        actor=actor,
        name="request_information",
        action="ask for more information on",
    )
    application.information_due_on = respond_by
    application.information_answered_at = None
    return _move(
        application,
        actor=actor,
        to=State.MORE_INFORMATION,
        at=at,
        description="More information requested",
        note=message,
        notify=notify,
        notices=((emails.COUNCIL, f"We need more information about {application.reference}"),),
    )


@transaction.atomic
def application_information_provide(
    *,
    application: Application,
    actor: Actor,
    note: str,
    at: datetime | None = None,
    notify: bool = True,
) -> Application:
    if not note.strip():
        raise ValidationError("Enter your answer to the officer's questions", code="required")
    application = _transition(
        application, actor=actor, name="provide_information", action="answer questions on"
    )
    application.information_due_on = None
    application.information_answered_at = at or timezone.now()
    application.search_document = _search_document(application) + "\n" + note
    return _move(
        application,
        actor=actor,
        to=State.IN_ASSESSMENT,
        at=at or timezone.now(),
        description="More information sent",
        note=note,
        notify=notify,
        notices=((emails.OFFICERS, f"{application.reference}: the council has answered"),),
    )


def _award_check(call: Call, award_amount: Decimal | None, award_days: int | None) -> None:
    if call.awards_days:
        if award_days is None or award_amount is not None:
            raise ValidationError("Award this bid in adviser days", code="award_kind")
        assert call.max_days is not None, "a call that awards days has max_days"
        if not 1 <= award_days <= call.max_days:
            raise ValidationError(
                f"Award from 1 to {call.max_days} adviser days: the most this call awards",
                code="over_limit",
            )
    else:
        if award_amount is None or award_days is not None:
            raise ValidationError("Award this bid in pounds", code="award_kind")
        if award_amount <= 0:
            raise ValidationError("Award an amount greater than £0", code="award_amount")
        if call.max_amount is not None and award_amount > call.max_amount:
            raise ValidationError(
                f"Award £{call.max_amount:,.2f} or less: the most this call awards",
                code="over_limit",
            )


def _delegation_rule(call: Call, value: Decimal) -> tuple[bool, str]:
    """(needs a second decider, the rule in words): the call's scheme of delegation."""
    limit = call.second_decision_above
    if limit is None:
        return False, "One decider: this call has no second-decider limit"
    if value > limit:
        return True, f"Above £{limit:,.2f}: a second decider must agree"
    return False, f"Within one decider's limit of £{limit:,.2f}"


@transaction.atomic
def application_approve(
    *,
    application: Application,
    actor: Actor,
    award_amount: Decimal | None = None,
    award_days: int | None = None,
    note: str = "",
    at: datetime | None = None,
    notify: bool = True,
    over_budget_reason: str = "",
) -> Application:
    """Approve with an award within the call's limits.

    Under the call's scheme of delegation an award worth more than
    `second_decision_above` waits for a second decider
    (`application_second_decision`): the bid stays in assessment and the
    council sees nothing until then. Otherwise the approval is final: the
    bid is approved and its investment recorded. Either way a Decision
    records who, when, under which rule and why."""
    at = at or timezone.now()
    application = _transition(application, actor=actor, name="approve", action="approve")
    _require_council_exists(
        application.lead_council, timezone.localdate(at), "receive an award dated after that"
    )
    call = application.call
    _award_check(call, award_amount, award_days)
    value = call.award_value(award_amount, award_days)
    # Checked above: pounds, or days on a call with a day rate
    # (call_days_have_a_day_rate).
    assert value is not None, "an award has a value"
    second_needed, rule = _delegation_rule(call, value)
    if is_system(actor):
        # The portal (demo loader, imports) records decisions already taken.
        second_needed, rule = False, "Recorded by the portal"
    decision = Decision.objects.create(
        application=application,
        outcome=DecisionOutcome.APPROVE,
        status=DecisionStatus.PENDING if second_needed else DecisionStatus.FINAL,
        award_amount=award_amount,
        award_days=award_days,
        rule=rule,
        reason=note,
        decided_by=as_user(actor),
        decided_at=at,
    )
    if second_needed:
        _event(
            application,
            actor=actor,
            description=f"Approval of £{value:,.2f} recorded: awaiting a second decider",
            note=note,
            at=at,
            visible=False,
        )
        application.save(update_fields=["updated_at"])
        return application
    return _award(
        application,
        decision=decision,
        actor=actor,
        note=note,
        at=at,
        notify=notify,
        over_budget_reason=over_budget_reason,
    )


def _award(
    application: Application,
    *,
    decision: Decision,
    actor: Actor,
    note: str,
    at: datetime,
    notify: bool,
    over_budget_reason: str = "",
) -> Application:
    """The final approval: the bid is approved, the council told, the investment recorded.
    First the layers above may refuse it (the strand's budget: docs/money.md)."""
    call = application.call
    value = call.award_value(decision.award_amount, decision.award_days)
    assert value is not None, "an award has a value"
    extensions.award_committing(
        application=application,
        value=value,
        financial_year=financial_year_of(timezone.localdate(at)),
        at=at,
        actor=actor,
        over_budget_reason=over_budget_reason,
    )
    application.award_amount = decision.award_amount
    application.award_days = decision.award_days
    application.decided_at = at
    application.information_answered_at = None
    application = _move(
        application,
        actor=actor,
        to=State.APPROVED,
        at=at,
        description=f"Approved: {application.award_display} awarded",
        note=note,
        notify=notify,
        notices=((emails.COUNCIL, f"Your bid {application.reference} is successful"),),
    )
    # An approved bid has pounds or days, and a call awarding days has a day
    # rate (constraints approved_application_has_award, call_days_have_a_day_rate).
    award_value = application.award_value
    assert award_value is not None, "an approved bid's award has a value"
    investment_record(
        strand=call.strand,
        council=application.lead_council,
        source=call.strand.spec.investment_source,
        financial_year=financial_year_of(timezone.localdate(at)),
        amount=award_value,
        application=application,
        description=f"Award to {application.reference}",
        actor=actor,
        awarded_on=timezone.localdate(at),
    )
    # Each council the award serves gets its share (docs/board.md, "Councils served and shares").
    award_shares_default(application=application)
    # What the layers above do with an award, e.g. the savings returns the
    # call's schedule asks of it (applications.extensions, docs/savings.md).
    extensions.award_made(application=application, actor=actor)
    return application


@transaction.atomic
def application_second_decision(
    *,
    application: Application,
    actor: Actor,
    agree: bool,
    reason: str = "",
    at: datetime | None = None,
    notify: bool = True,
    over_budget_reason: str = "",
) -> Application:
    """The second decider on an approval above the call's limit: agree (the
    approval becomes final, recording both deciders) or return it with a
    reason (the bid stays in assessment, to be decided again)."""
    if not agree and not reason.strip():
        raise ValidationError("Give the reason you do not agree", code="required")
    at = at or timezone.now()
    application = _transition(
        application, actor=actor, name="second_decision", action="give the second decision on"
    )
    decision = application.decisions.select_for_update().get(status=DecisionStatus.PENDING)
    decision.second_by = as_user(actor)
    decision.second_at = at
    decision.second_reason = reason
    if not agree:
        decision.status = DecisionStatus.RETURNED
        decision.save()
        _event(
            application,
            actor=actor,
            description="Approval not agreed by the second decider",
            note=reason,
            at=at,
            visible=False,
        )
        application.save(update_fields=["updated_at"])
        return application
    decision.status = DecisionStatus.FINAL
    decision.save()
    return _award(
        application,
        decision=decision,
        actor=actor,
        note=decision.reason,
        at=at,
        notify=notify,
        over_budget_reason=over_budget_reason,
    )


@transaction.atomic
def scoring_close(
    *, application: Application, actor: Actor, reason: str, at: datetime | None = None
) -> Application:
    """The lead closes scoring before every assessor has submitted (one is
    away, say): the submitted scores are shown to the lead and deciders and
    moderation opens. The reason is kept, and in the bid's timeline."""
    if not reason.strip():
        raise ValidationError("Give the reason you are closing scoring", code="required")
    application = _transition(
        application, actor=actor, name="close_scoring", action="close scoring on"
    )
    if workflow.scoring_complete(application):
        raise ValidationError("Every assessor has already scored this bid", code="complete")
    at = at or timezone.now()
    application.scoring_closed_at = at
    application.scoring_closed_reason = reason
    application.save(update_fields=["scoring_closed_at", "scoring_closed_reason", "updated_at"])
    _mean_store(application)
    _event(
        application, actor=actor, description="Scoring closed", note=reason, at=at, visible=False
    )
    return application


@transaction.atomic
def application_decline(
    *,
    application: Application,
    actor: Actor,
    reasons: str,
    at: datetime | None = None,
    notify: bool = True,
) -> Application:
    if not reasons.strip():
        raise ValidationError("Enter the reasons the bid is declined", code="required")
    at = at or timezone.now()
    application = _transition(application, actor=actor, name="decline", action="decline")
    application.decided_at = at
    application.information_answered_at = None
    Decision.objects.create(
        application=application,
        outcome=DecisionOutcome.DECLINE,
        status=DecisionStatus.FINAL,
        rule="Recorded by the portal" if is_system(actor) else "A decider declines alone",
        reason=reasons,
        decided_by=as_user(actor),
        decided_at=at,
    )
    return _move(
        application,
        actor=actor,
        to=State.DECLINED,
        at=at,
        description="Declined",
        note=reasons,
        notify=notify,
        notices=((emails.COUNCIL, f"Your bid {application.reference} has not been successful"),),
    )


@transaction.atomic
def application_withdraw(
    *,
    application: Application,
    actor: Actor,
    note: str = "",
    at: datetime | None = None,
    notify: bool = True,
) -> Application:
    """The council withdraws its bid from any open state."""
    application = _transition(application, actor=actor, name="withdraw", action="withdraw")
    was_draft = application.is_draft
    for pending in application.decisions.filter(status=DecisionStatus.PENDING):
        pending.status = DecisionStatus.RETURNED
        pending.second_reason = "The council withdrew the bid"
        pending.save(update_fields=["status", "second_reason"])
    return _move(
        application,
        actor=actor,
        to=State.WITHDRAWN,
        at=at or timezone.now(),
        description="Bid withdrawn",
        note=note,
        notify=notify and not was_draft,
        notices=((emails.OFFICERS, f"{application.reference} has been withdrawn"),),
    )


# Documents -----------------------------------------------------------------------


@transaction.atomic
def document_add(
    *,
    application: Application,
    actor: Actor,
    upload: UploadedFile,
    purpose: str = DocumentPurpose.SUPPORTING,
) -> Document:
    """Check and store a supporting document (drafts) or an answer's document."""
    application = _lock(application)
    require_council_user(actor, application.lead_council_id)
    if purpose == DocumentPurpose.RESPONSE:
        workflow.require_state(application, (State.MORE_INFORMATION,), "add answer documents to")
    else:
        workflow.require_state(application, (State.DRAFT,), "add documents to")
    kind = documents.document_check(upload)
    assert upload.size is not None, "an uploaded file has a size"
    stored = documents.document_store(upload, kind)
    # If the row cannot be written the file would be orphaned: remove it.
    try:
        document = Document.objects.create(
            application=application,
            purpose=purpose,
            original_name=(upload.name or "document")[:255],
            stored_name=stored,
            kind=kind,
            size=upload.size,
            uploaded_by=as_user(actor),
        )
    except Exception:
        documents.document_delete_file(stored)
        raise
    return document


@transaction.atomic
def document_remove(*, document: Document, actor: Actor) -> None:
    application = _lock(document.application)
    require_council_user(actor, application.lead_council_id)
    if document.purpose == DocumentPurpose.RESPONSE:
        workflow.require_state(application, (State.MORE_INFORMATION,), "remove documents from")
    else:
        workflow.require_state(application, (State.DRAFT,), "remove documents from")
    stored = document.stored_name
    document.delete()

    def delete_file() -> None:
        documents.document_delete_file(stored)

    transaction.on_commit(delete_file, robust=True)


# Partner councils (docs/bids.md, "Partner councils") ------------------------------


def _partners_sync(application: Application, *, actor: Actor) -> None:
    """Keep one answer per partner council the bid names: a council named
    now gets a pending one (and its council lead a notice); a council taken
    off loses its answer (the audit trail keeps it), so naming it again asks
    it again."""
    named = set(application.partner_councils.values_list("pk", flat=True))
    for confirmation in application.partner_confirmations.exclude(council__in=named):
        confirmation.delete()
    answered = set(application.partner_confirmations.values_list("council_id", flat=True))
    for council in Council.objects.filter(pk__in=named - answered).order_by("name"):
        confirmation, _ = model_update(
            instance=PartnerConfirmation(application=application, council=council),
            fields=["status"],
            data={"status": PartnerStatus.PENDING},
        )
        if not is_system(actor):
            emails.partner_named_notice(confirmation=confirmation)


def _confirmation_lock(confirmation: PartnerConfirmation) -> PartnerConfirmation:
    """Lock the bid, then read its partner's answer again: two leads (or a
    lead and an officer recording a letter) answer one after the other."""
    application = _lock(confirmation.application)
    locked = (
        PartnerConfirmation.objects.select_for_update(of=("self",))
        .select_related("council")
        .get(pk=confirmation.pk)
    )
    locked.application = application
    return locked


def _require_pending(confirmation: PartnerConfirmation) -> None:
    if confirmation.status != PartnerStatus.PENDING:
        raise ValidationError(
            f"{confirmation.council.name} has already "
            f"{confirmation.get_status_display().lower()} that it is a partner on "
            f"{confirmation.application.reference}",
            code="answered",
        )


@transaction.atomic
def partner_answer(
    *,
    confirmation: PartnerConfirmation,
    actor: Actor,
    confirmed: bool,
    reason: str = "",
    at: datetime | None = None,
) -> PartnerConfirmation:
    """The partner council's lead confirms the council is part of the bid,
    or declines with a reason. Final: to ask again, the lead council takes
    the council off the bid and names it again. People answer while the bid
    is a draft; the portal (demo, imports) records answers of any bid."""
    at = at or timezone.now()
    confirmation = _confirmation_lock(confirmation)
    require_council_user(actor, confirmation.council_id)
    user = as_user(actor)
    if user is not None and not user.is_council_lead:
        raise PermissionDenied(
            f"Only {confirmation.council.name}'s council lead can confirm or decline a bid"
        )
    application = confirmation.application
    if user is not None:
        workflow.require_state(application, (State.DRAFT,), "confirm or decline")
    _require_pending(confirmation)
    reason = reason.strip()
    if not confirmed and not reason:
        raise ValidationError(
            {"reason": "Enter why your council declines to be a partner on this bid"},
            code="reason_required",
        )
    status = PartnerStatus.CONFIRMED if confirmed else PartnerStatus.DECLINED
    confirmation, _ = model_update(
        instance=confirmation,
        fields=["status", "answered_by", "answered_at", "reason"],
        data={
            "status": status,
            "answered_by": user,
            "answered_at": at,
            "reason": "" if confirmed else reason,
        },
    )
    verb = "confirmed it is a partner" if confirmed else "declined to be a partner"
    event = _event(
        application,
        actor=actor,
        description=f"{confirmation.council.name} {verb}",
        at=at,
        note="" if confirmed else reason,
    )
    if user is not None:
        emails.notice_queue(
            application=application,
            event=event,
            audience=emails.COUNCIL,
            subject=f"{confirmation.council.name} {verb} on {application.reference}",
        )
    return confirmation


@transaction.atomic
def partner_confirm_by_letter(
    *,
    confirmation: PartnerConfirmation,
    actor: Actor,
    reason: str,
    at: datetime | None = None,
) -> PartnerConfirmation:
    """An officer records a partner council's confirmation given by letter
    (or email) rather than on the portal, saying why (which letter, from whom)."""
    at = at or timezone.now()
    require_officer(actor)
    confirmation = _confirmation_lock(confirmation)
    _require_pending(confirmation)
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"letter_reason": "Enter the letter the council confirmed in, and why you record it"},
            code="reason_required",
        )
    confirmation, _ = model_update(
        instance=confirmation,
        fields=["status", "answered_by", "answered_at", "by_letter", "letter_reason"],
        data={
            "status": PartnerStatus.CONFIRMED,
            "answered_by": as_user(actor),
            "answered_at": at,
            "by_letter": True,
            "letter_reason": reason,
        },
    )
    _event(
        confirmation.application,
        actor=actor,
        description=f"{confirmation.council.name} confirmed it is a partner, by letter",
        at=at,
        note=reason,
    )
    return confirmation


@transaction.atomic
def document_share(*, document: Document, actor: Actor, shared: bool) -> Document:
    """The lead council shares a document with the partner councils that
    confirmed (or stops sharing it). Any state: sharing changes no answer."""
    application = _lock(document.application)
    require_council_user(actor, application.lead_council_id)
    document = Document.objects.select_for_update().get(pk=document.pk, application=application)
    document, _ = model_update(
        instance=document, fields=["shared_with_partners"], data={"shared_with_partners": shared}
    )
    return document


# Award shares (docs/board.md, "Councils served and shares") -------------------


def award_councils(application: Application) -> list[Council]:
    """The councils an award serves: its lead council, then its partners by
    name. The one place that says which partners an award serves: the named
    partners, less any that declined (docs/bids.md, "Partner councils"; a
    person cannot send a bid naming one, the portal's loaders can), and so
    the shares, the board's councils served and the open data's beneficiary
    locations leave them out."""
    declined = set(
        application.partner_confirmations.filter(status=PartnerStatus.DECLINED).values_list(
            "council_id", flat=True
        )
    )
    partners = [
        council
        for council in application.partner_councils.order_by("name")
        if council.pk != application.lead_council_id and council.pk not in declined
    ]
    return [application.lead_council, *partners]


PENNY = Decimal("0.01")


def shares_split(total: Decimal, count: int) -> list[Decimal]:
    """`total` in `count` equal shares to the penny, the odd pennies on the
    first (the lead council): £10,000.00 in three is £3,333.34, £3,333.33, £3,333.33."""
    pennies = int((total / PENNY).to_integral_value())
    each, rest = divmod(pennies, count)
    return [(Decimal(each + (rest if n == 0 else 0)) * PENNY) for n in range(count)]


def award_shares_default(*, application: Application) -> list[AwardShare]:
    """Equal shares of the award for the councils it serves (called by the
    approval, in its transaction): an award that has shares keeps them."""
    value = application.award_value
    if value is None or application.shares.exists():
        return []
    councils = award_councils(application)
    # In force from the decision (docs/board.md, "As at a date").
    starts_on = timezone.localdate(application.decided_at) if application.decided_at else None
    shares = []
    for council, amount in zip(councils, shares_split(value, len(councils)), strict=True):
        share, _ = model_update(
            instance=AwardShare(application=application, council=council),
            fields=["amount", "starts_on"],
            data={"amount": amount, "starts_on": starts_on or timezone.localdate()},
        )
        shares.append(share)
    return shares


@transaction.atomic
def award_shares_set(
    *,
    application: Application,
    amounts: Mapping[int, Decimal | None],
    actor: Actor,
    on: date | None = None,
) -> list[AwardShare]:
    """Change the councils' shares of an award: `amounts` by council id, one
    for each council the award serves, each £0 or more to the penny, adding
    up to the award's value. The new split applies from `on` (today if not
    given; never in the future, nor before the split it replaces began); the
    split it replaces is kept (`AwardSharePast`, ending on `on`), so the
    board as at an earlier date reads it (docs/board.md, "As at a date").
    Anything wrong changes nothing and says what."""
    require_officer(actor)
    on = on or timezone.localdate()
    application = _lock(application)
    if application.state != State.APPROVED:
        raise ValidationError(
            f"{application.reference} is {application.get_state_display().lower()}: "
            "only an award has shares",
            code="not_awarded",
        )
    value = application.award_value
    assert value is not None, "an approved bid's award has a value"
    councils = award_councils(application)
    if set(amounts) != {council.pk for council in councils}:
        names = ", ".join(council.short_name for council in councils)
        raise ValidationError(
            f"Give a share for each council the award serves, and no other: {names}",
            code="councils",
        )
    problems = []
    for council in councils:
        amount = amounts[council.pk]
        if amount is None:
            problems.append(f"Enter {council.short_name}'s share in pounds")
        elif amount < 0:
            problems.append(f"{council.short_name}'s share must be £0 or more")
        elif amount != amount.quantize(PENNY):
            problems.append(f"{council.short_name}'s share must be in pounds and pence")
    if problems:
        raise ValidationError(problems, code="share")
    total = sum((amount or Decimal(0) for amount in amounts.values()), Decimal(0))
    if total != value:
        raise ValidationError(shares_total_message(value, total), code="total")
    stored = {share.council_id: share for share in application.shares.all()}
    # Not before the award was decided, nor before the split it replaces began.
    began = max(
        [share.starts_on for share in stored.values()]
        + ([timezone.localdate(application.decided_at)] if application.decided_at else []),
        default=None,
    )
    if on > timezone.localdate():
        raise ValidationError("The shares cannot change on a day still to come", code="on")
    if began is not None and on < began:
        raise ValidationError(
            f"The shares cannot change before {began:%-d %B %Y}, when the award or its "
            "present split took effect",
            code="on",
        )
    if {pk: share.amount for pk, share in stored.items()} == dict(amounts):
        return list(application.shares.select_related("council"))  # nothing changed
    # The split replaced is kept, unless it is replaced on the day it began:
    # it was in force at the end of no day (the audit trail keeps the change).
    AwardSharePast.objects.bulk_create(
        AwardSharePast(
            application=application,
            council_id=share.council_id,
            amount=share.amount,
            starts_on=share.starts_on,
            ends_on=on,
        )
        for share in stored.values()
        if share.starts_on < on
    )
    for council in councils:
        share = stored.pop(council.pk, None)
        model_update(
            instance=share or AwardShare(application=application, council=council),
            fields=["amount", "starts_on"],
            data={"amount": amounts[council.pk], "starts_on": on},
        )
    for share in stored.values():
        share.delete()  # a council the award no longer serves
    version_bump(BOARD)
    return list(application.shares.select_related("council"))


def shares_total_message(value: Decimal, total: Decimal) -> str:
    """The message when the shares do not add up (the service and the admin's form)."""
    return (
        f"The councils' shares must add up to the award of £{value:,.2f}: "
        f"they add up to £{total:,.2f}"
    )
