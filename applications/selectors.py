"""Reads of bids that more than one page needs, scoped to the user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from applications import search
from applications.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
    AwardShare,
    AwardSharePast,
    Call,
    Conflict,
    Decision,
    DecisionStatus,
    Document,
    PartnerConfirmation,
    PartnerStatus,
    Review,
    detail_accessor,
    detail_accessors,
    mean_score,
)
from applications.workflow import is_decider, scores_visible
from programmes.models import User
from programmes.roles import APPLICANT, OFFICER, user_role
from programmes.selectors import council_ids_readable
from programmes.strands import strands


def applications_for_council(*, user: User) -> QuerySet[Application]:
    """The bids of the user's council, newest first, ready for a list.

    The primary key breaks ties, so that pages never repeat or skip a bid
    started in the same instant (bulk imports)."""
    return (
        Application.objects.filter(lead_council_id=user.council_id)
        .select_related("call__strand", "lead_council")
        .order_by("-created_at", "-pk")
    )


def calls_open(*, at=None) -> QuerySet[Call]:
    at = at or timezone.now()
    return (
        Call.objects.filter(opens_at__lte=at, closes_at__gt=at, strand__key__in=bid_strand_keys())
        .select_related("strand")
        .order_by("closes_at")
    )


def bid_strand_keys() -> list[str]:
    return [key for key, spec in strands().items() if spec.bid_based]


# How a council user reads a bid (`Application.viewer`): as its lead council
# (theirs to change), as the lead's successor, or as a partner council that
# confirmed (or that partner's successor). Read-only but for LEAD.
LEAD = "lead"
SUCCESSOR = "successor"
PARTNER = "partner"


def _readable(user: User) -> Q:
    """The bids a council user may read (docs/security.md, "Partners,
    successors and predecessors"): their council's and its predecessors'
    (council_ids_readable), and those on which one of these is a partner
    that confirmed. Never a successor's, nor a bid whose partner is pending
    or declined."""
    councils = council_ids_readable(user.council_id)
    confirmed = PartnerConfirmation.objects.filter(
        application=OuterRef("pk"), council_id__in=councils, status=PartnerStatus.CONFIRMED
    )
    return Q(lead_council_id__in=councils) | Q(Exists(confirmed))


def application_get_for_user(
    *,
    user: User,
    reference: str | None = None,
    pk: int | None = None,
    details: bool = False,
    read_only: bool = False,
    listed: bool = True,
) -> Application:
    """The bid with this reference, if the user may see it; 404 otherwise.

    Applicants see their own council's bids only: any other reference is
    "not found", so outsiders cannot learn which bids exist. Officers see all.
    Other roles never reach here (views check the role first).
    `read_only`: pages that only show the bid also let in the councils that
    may read it (`_readable`: successors, confirmed partners); the bid's
    `viewer` says as whom (LEAD, SUCCESSOR, PARTNER). Every page that changes
    the bid asks without it, so for them anyone but the lead council gets 404.
    `listed=False`: without its partner councils, documents and events read
    ahead (three queries), for the pages that list none of them (a question
    page and its save, the declaration and sending the bid).
    """
    queryset = Application.objects.select_related("call__strand", "lead_council", "lead_officer")
    if listed:
        queryset = queryset.prefetch_related(
            "partner_councils",
            Prefetch("documents", queryset=Document.objects.order_by("uploaded_at", "pk")),
            Prefetch(
                "events",
                queryset=ApplicationEvent.objects.select_related("actor").order_by("at", "pk"),
            ),
        )
    if details:
        # The strand's own answers in the same query (the assessment page).
        queryset = queryset.select_related(*detail_accessors())
    role = user_role(user)
    if role == APPLICANT:
        # The lead council's own first: its pages cost what they did before.
        found = _one(queryset.filter(lead_council_id=user.council_id), reference, pk)
        if found is None and read_only:
            found = _one(queryset.filter(_readable(user)), reference, pk)
    elif role == OFFICER:
        found = _one(queryset, reference, pk)
    else:
        raise Http404
    if found is None:
        raise Http404("No such bid")
    found.viewer = _viewer(found, user) if role == APPLICANT else LEAD
    if details:
        # Its strand's answers, kept for strand_detail() (every section reads them).
        model = found.detail_model()
        found.__dict__["preloaded_detail"] = (
            getattr(found, detail_accessor(model), None) if model is not None else None
        )
    return found


def _one(
    queryset: QuerySet[Application], reference: str | None, pk: int | None
) -> Application | None:
    try:
        return queryset.get(pk=pk) if pk is not None else queryset.get(reference=reference)
    except (Application.DoesNotExist, ValueError, TypeError):
        return None


def _viewer(application: Application, user: User) -> str:
    if application.lead_council_id == user.council_id:
        return LEAD
    readable = council_ids_readable(user.council_id)
    if application.lead_council_id in readable:
        return SUCCESSOR
    # A partner, or a successor of one: the bid's page names the council
    # whose answer lets the user read it (from the prefetched partners).
    named = [council for council in application.partner_councils.all() if council.pk in readable]
    if all(council.pk != user.council_id for council in named):
        application.partner_via = named[0] if named else None
    return PARTNER


def documents_visible(application: Application) -> list[Document]:
    """The bid's documents its viewer may see: a partner council (or its
    successor) only those the lead shared; everyone else all of them."""
    documents = list(application.documents.all())
    if getattr(application, "viewer", LEAD) == PARTNER:
        return [document for document in documents if document.shared_with_partners]
    return documents


def partner_requests_for_user(*, user: User) -> list[PartnerConfirmation]:
    """Bids naming the user's council as a partner that it has not answered
    yet, or has confirmed: for "Bids naming your council as a partner"
    (a council that declined sees the bid no more)."""
    if user.council_id is None:
        return []
    return list(
        PartnerConfirmation.objects.filter(
            council_id=user.council_id,
            status__in=(PartnerStatus.PENDING, PartnerStatus.CONFIRMED),
        )
        .select_related("application__call__strand", "application__lead_council")
        .order_by("status", "-application__created_at", "-pk")
    )


def partner_confirmation_get_for_user(*, user: User, reference: str) -> PartnerConfirmation:
    """The user's council's answer to a bid that names it as a partner,
    pending or confirmed; else, read-only, the answer of a council the
    user's council succeeded (it reads what its predecessor's users read:
    docs/security.md, "Partners, successors and predecessors"). 404 for a
    bid that names neither, or that they declined. One query."""
    if user.council_id is None:
        raise Http404("No bid names your council as a partner with this reference")
    found = sorted(
        PartnerConfirmation.objects.filter(
            council_id__in=council_ids_readable(user.council_id),
            application__reference=reference,
            status__in=(PartnerStatus.PENDING, PartnerStatus.CONFIRMED),
        ).select_related(
            "application__call__strand", "application__lead_council", "answered_by", "council"
        ),
        # Its own council's answer first, then its predecessors' by name.
        key=lambda item: (item.council_id != user.council_id, item.council.name),
    )
    if not found:
        raise Http404("No bid names your council as a partner with this reference")
    return found[0]


def predecessor_bids_for_user(*, user: User) -> QuerySet[Application]:
    """The bids of the councils the user's council succeeded (read-only
    history: docs/councils.md), newest first."""
    predecessors = council_ids_readable(user.council_id) - {user.council_id}
    return (
        Application.objects.filter(lead_council_id__in=predecessors)
        .select_related("call__strand", "lead_council")
        .order_by("-created_at", "-pk")
    )


ASSESSING = (
    ApplicationState.SUBMITTED,
    ApplicationState.IN_ASSESSMENT,
    ApplicationState.MORE_INFORMATION,
)


def _pending_reviews() -> QuerySet[Review]:
    """Reviews still to come: assigned, not submitted, no conflict declared."""
    return Review.objects.filter(application=OuterRef("pk"), submitted_at__isnull=True).exclude(
        conflict=Conflict.CONFLICT
    )


def assigned_to_score(user: User) -> Q:
    """Bids this officer is assigned to score and has not yet (nor declared a conflict)."""
    return Q(Exists(_pending_reviews().filter(assessor=user)), state__in=ASSESSING)


def assigned_to(user: User) -> Q:
    """Bids this officer leads or assesses."""
    return Q(lead_officer=user) | Q(
        Exists(Review.objects.filter(application=OuterRef("pk"), assessor=user))
    )


def _leads(user: User) -> Q:
    """Bids this officer leads; while a bid has none, every decider leads it
    (applications.workflow, the LEAD rule)."""
    if is_decider(user):
        return Q(lead_officer=user) | Q(lead_officer__isnull=True)
    return Q(lead_officer=user)


def scoring_complete_q() -> Q:
    """applications.workflow.scoring_complete, for a queryset."""
    return Q(scoring_closed_at__isnull=False) | ~Q(Exists(_pending_reviews()))


def awaiting_moderation(user: User) -> Q:
    """Bids this officer leads whose scoring is complete (every assessor
    submitted or declared a conflict, or scoring closed), not yet moderated."""
    submitted = Review.objects.filter(application=OuterRef("pk"), submitted_at__isnull=False)
    mine_conflicted = Review.objects.filter(
        application=OuterRef("pk"), assessor=user, conflict=Conflict.CONFLICT
    )
    return (
        _leads(user)
        & (Q(Exists(submitted)) | Q(scoring_closed_at__isnull=False))
        & scoring_complete_q()
        & ~Q(Exists(mine_conflicted))
        & Q(state__in=ASSESSING, moderated_at__isnull=True)
    )


def awaiting_second_decision(user: User) -> Q:
    """Approvals waiting for a second decider that this officer could give:
    deciders only, never their own first decision, nor a bid they scored or
    declared a conflict on."""
    if not is_decider(user):
        return Q(pk__in=[])
    pending = Decision.objects.filter(
        application=OuterRef("pk"), status=DecisionStatus.PENDING
    ).exclude(decided_by=user)
    involved = Review.objects.filter(application=OuterRef("pk"), assessor=user).filter(
        Q(submitted_at__isnull=False) | Q(conflict=Conflict.CONFLICT)
    )
    return Q(Exists(pending)) & ~Q(Exists(involved)) & Q(state=ApplicationState.IN_ASSESSMENT)


def with_visible_mean(queryset: QuerySet[Application], user: User) -> QuerySet[Application]:
    """Annotate `visible_mean`: the bid's mean score where this officer may
    see it (applications.workflow.scores_visible), NULL elsewhere. Lists show
    and sort by it, so a hidden mean leaks neither its value nor its rank."""
    if user_role(user) != OFFICER:
        hidden = Value(None, output_field=DecimalField(max_digits=2, decimal_places=1))
        return queryset.annotate(visible_mean=hidden)
    mine = Review.objects.filter(application=OuterRef("pk"), assessor=user)
    mine_submitted = mine.filter(submitted_at__isnull=False).exclude(conflict=Conflict.CONFLICT)
    overseer = Q(pk__isnull=False) if is_decider(user) else Q(lead_officer=user)
    visible = Q(Exists(mine_submitted)) | (~Q(Exists(mine)) & scoring_complete_q() & overseer)
    return queryset.annotate(
        visible_mean=Case(
            When(visible, then=F("mean_score")),
            default=None,
            output_field=DecimalField(max_digits=2, decimal_places=1),
        )
    )


@dataclass(frozen=True)
class Queue:
    """One queue on the admin home: its rows are `model`'s matching
    `condition(user, today)`; the link opens the list with `params`.
    Queues of one model are counted together in one query."""

    key: str
    title: str
    model: type[Model]
    condition: Callable[[User, date], Q]
    changelist: str
    params: str

    @property
    def link(self) -> str:
        return f"{reverse(self.changelist)}?{self.params}"


BIDS = "admin:applications_application_changelist"
# The bids' queues; the layers above add theirs (applications.extensions,
# e.g. the savings returns' two queues).
QUEUES: list[Queue] = [
    Queue(
        "screen",
        "New bids to screen",
        Application,
        lambda user, today: Q(state=ApplicationState.SUBMITTED),
        BIDS,
        "queue=screen",
    ),
    Queue(
        "mine",
        "Bids assigned to me to score",
        Application,
        lambda user, today: assigned_to_score(user),
        BIDS,
        "queue=mine",
    ),
    Queue(
        "moderation",
        "Bids I lead awaiting moderation",
        Application,
        lambda user, today: awaiting_moderation(user),
        BIDS,
        "queue=moderation",
    ),
    Queue(
        "second",
        "Approvals awaiting a second decider",
        Application,
        lambda user, today: awaiting_second_decision(user),
        BIDS,
        "queue=second",
    ),
    Queue(
        "answered",
        "Answers to requests for information",
        Application,
        lambda user, today: Q(
            information_answered_at__isnull=False, state=ApplicationState.IN_ASSESSMENT
        ),
        BIDS,
        "queue=answered",
    ),
    Queue(
        "overdue",
        "Requests for information past their due date",
        Application,
        lambda user, today: Q(
            state=ApplicationState.MORE_INFORMATION, information_due_on__lt=today
        ),
        BIDS,
        "queue=overdue",
    ),
]


def queue_get(key: str) -> Queue | None:
    return next((queue for queue in QUEUES if queue.key == key), None)


@dataclass(frozen=True)
class QueueCount:
    queue: Queue
    count: int


def work_queues(*, user: User, today: date | None = None) -> list[QueueCount]:
    """Every queue with its count for this officer: one query per model."""
    today = today or timezone.localdate()
    counts: dict[str, int] = {}
    models = dict.fromkeys(queue.model for queue in QUEUES)
    for model in models:
        counts |= model._default_manager.aggregate(
            **{
                queue.key: Count("pk", filter=queue.condition(user, today))
                for queue in QUEUES
                if queue.model is model
            }
        )
    return [QueueCount(queue, counts[queue.key]) for queue in QUEUES]


# Independent scores and their moderation ---------------------------------------------


@dataclass
class CriterionSpread:
    key: str
    label: str
    scores: list[tuple[str, int | None, str]]  # (assessor, score or None for n/a, note)
    moderated: int | None = None
    moderated_given: bool = False

    @property
    def given(self) -> list[int]:
        return [score for _name, score, _note in self.scores if score is not None]

    @property
    def spread(self) -> int | None:
        return max(self.given) - min(self.given) if len(self.given) > 1 else None

    @property
    def mean(self) -> Decimal | None:
        return mean_score([score for _name, score, _note in self.scores])

    @property
    def disagreement(self) -> bool:
        return (self.spread or 0) > 1

    @property
    def to_moderate(self) -> bool:
        """A disagreement the lead has not yet given a moderated score for."""
        return self.disagreement and not self.moderated_given


@dataclass
class AssessmentView:
    """What one officer sees of a bid's assessment: their own review (if
    assigned), and the others' scores only once they have submitted theirs
    (or when they are not an assessor: the lead and other officers)."""

    reviews: list[Review]
    mine: Review | None
    others_visible: bool
    criteria: list[CriterionSpread] = field(default_factory=list)
    recommendations: list[tuple[str, str]] = field(default_factory=list)
    # The lead's recommendation, once moderated.
    recommendation_moderated: bool = False

    @property
    def conflicts(self) -> list[Review]:
        return [review for review in self.reviews if review.conflicted]

    @property
    def submitted(self) -> list[Review]:
        return [review for review in self.reviews if review.submitted_at]

    @property
    def recommendations_differ(self) -> bool:
        return len({value for _name, value in self.recommendations}) > 1

    @property
    def disagreement(self) -> bool:
        return self.recommendations_differ or any(c.disagreement for c in self.criteria)

    @property
    def to_moderate(self) -> bool:
        """Disagreements still waiting for the lead (the heading said "to
        moderate" after moderation)."""
        differ = self.recommendations_differ and not self.recommendation_moderated
        return differ or any(c.to_moderate for c in self.criteria)


def assessment_view(*, application: Application, user: User) -> AssessmentView:
    """The assessors' reviews of a bid as `user` may see them (one query for
    the reviews with their assessors, one for their scores): the others'
    scores only where applications.workflow.scores_visible says so."""
    reviews = list(application.reviews.select_related("assessor").prefetch_related("scores"))
    mine = next((review for review in reviews if review.assessor_id == user.pk), None)
    # Read once: scores_visible below asks about the same reviews.
    cache = getattr(application, "_prefetched_objects_cache", {})
    application._prefetched_objects_cache = {**cache, "reviews": reviews}  # type: ignore[attr-defined]
    visible = scores_visible(application, user)
    view = AssessmentView(reviews=reviews, mine=mine, others_visible=visible)
    if not visible:
        return view
    moderated = {score.criterion: score.score for score in application.scores.all()}
    submitted = view.submitted
    for key, label in application.call.strand.spec.assessment_criteria:
        row = CriterionSpread(key, label, [])
        for review in submitted:
            for score in review.scores.all():
                if score.criterion == key:
                    row.scores.append((review.assessor.display_name, score.score, score.note))
        row.moderated = moderated.get(key)
        row.moderated_given = key in moderated
        view.criteria.append(row)
    view.recommendations = [
        (review.assessor.display_name, review.get_recommendation_display()) for review in submitted
    ]
    view.recommendation_moderated = bool(application.recommendation)
    return view


def officers() -> QuerySet[User]:
    """Active LGA officers, by name: who can lead or assess a bid."""
    return (
        User.objects.filter(Q(groups__name=OFFICER) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# The officers' word search lives in applications.search (issue 26); the
# admin and the benchmarks import it from here.
applications_search = search.applications_search


def _shares_in_force(
    on: date, applications: QuerySet[Application]
) -> tuple[QuerySet[AwardShare], QuerySet[AwardSharePast]]:
    """The present split's rows that had taken effect by the end of `on`, and
    the earlier splits' rows in force then (docs/board.md, "As at a date")."""
    present = AwardShare.objects.filter(application__in=applications, starts_on__lte=on)
    earlier = AwardSharePast.objects.filter(
        application__in=applications, starts_on__lte=on, ends_on__gt=on
    )
    return present, earlier


def award_shares_on(
    *, on: date, applications: QuerySet[Application]
) -> list[AwardShare | AwardSharePast]:
    """Each council's share of these awards in the split in force at the end
    of `on`: the present split if it had taken effect by then, else the
    earlier split then in force. Each row has `application_id`, `council`
    and `amount` (2 queries)."""
    present, earlier = _shares_in_force(on, applications)
    return [*present.select_related("council"), *earlier.select_related("council")]


def award_share_totals_on(*, on: date, applications: QuerySet[Application]) -> dict[int, Decimal]:
    """Each council's shares of these awards added up, by council id, in the
    splits in force at the end of `on` (`award_shares_on`; 2 grouped queries)."""
    totals: dict[int, Decimal] = {}
    for rows in _shares_in_force(on, applications):
        for row in rows.order_by().values("council").annotate(total=Sum("amount")):
            totals[row["council"]] = totals.get(row["council"], Decimal(0)) + row["total"]
    return totals
