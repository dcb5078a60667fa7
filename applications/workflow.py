"""The bid workflow, declared once: its states, each transition, and who may take it.

Every transition names the states it starts from, where it goes (None: the
bid stays in its state, e.g. scoring), whose it is (officers' or the bid's
council's) and the rules the person taking it must meet. The services check
a transition here before they change anything (`require`), whoever calls
them; the assessment page shows a button or form only where `allowed` says
so; tests/applications/test_decision_rights.py tries every transition as
every persona, through the service and the admin's URL.

The rules (docs/bids.md, "Decision rights"):
- Assessors score only bids they are assigned to, and never after declaring
  a conflict of interest.
- The bid's lead officer (or, while it has none, an officer who decides
  awards) assigns assessors, closes scoring and moderates; moderation opens
  once every assessor without a conflict has submitted, or the lead closed
  scoring with a reason.
- Only officers with the "decides awards" permission approve or decline, and
  never a bid they scored, declared a conflict on, or whose council is their
  own. Above the call's `second_decision_above` an approval waits for a
  second decider, who did not take the first decision and meets the same
  rules (four eyes).
- A bid is sent only once every partner council it names has answered
  (confirmed, or declined and been taken off the bid): docs/bids.md,
  "Partner councils".
- The portal itself (the demo loader, imports) is not a person: it is held
  to the states, not to the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError

from applications.models import (
    OPEN_STATES,
    Application,
    ApplicationState,
    DecisionStatus,
    PartnerConfirmation,
    PartnerStatus,
    Review,
)
from programmes.permissions import Actor, as_user, is_system
from programmes.roles import APPLICANT, OFFICER, user_role

State = ApplicationState
# The states a bid is assessed in: assessors score it, the lead moderates it.
ASSESSING = (State.SUBMITTED, State.IN_ASSESSMENT, State.MORE_INFORMATION)
DECIDES_AWARDS = "applications.decide_awards"


def is_decider(user) -> bool:
    """An officer given "decides awards" (superusers have every permission)."""
    return user_role(user) == OFFICER and user.has_perm(DECIDES_AWARDS)


class Facts:
    """What the rules ask about one person and one bid, read once."""

    def __init__(self, application: Application, user) -> None:
        self.application = application
        self.user = user

    @cached_property
    def reviews(self) -> list[Review]:
        return list(self.application.reviews.all())

    @cached_property
    def mine(self) -> Review | None:
        return next((r for r in self.reviews if r.assessor_id == self.user.pk), None)

    @cached_property
    def decider(self) -> bool:
        return is_decider(self.user)

    @cached_property
    def pending(self):
        pending = self.application.decisions.filter(status=DecisionStatus.PENDING)
        return pending.select_related("decided_by").first()

    @cached_property
    def partners(self) -> list[PartnerConfirmation]:
        """The partner councils' answers, for the councils the bid names now."""
        return partner_confirmations(self.application)

    @property
    def is_lead(self) -> bool:
        return self.application.lead_officer_id == self.user.pk

    @property
    def leads_or_manages(self) -> bool:
        """The lead; while the bid has none, an officer who decides awards."""
        if self.application.lead_officer_id is None:
            return self.decider
        return self.is_lead

    @property
    def conflicted(self) -> bool:
        return self.mine is not None and self.mine.conflicted

    @property
    def scored(self) -> bool:
        return self.mine is not None and self.mine.submitted_at is not None

    @property
    def own_council(self) -> bool:
        council = getattr(self.user, "council_id", None)
        if council is None:
            return False
        application = self.application
        if council == application.lead_council_id:
            return True
        return application.partner_councils.filter(pk=council).exists()


def scoring_complete(application: Application, reviews: list[Review] | None = None) -> bool:
    """Every assessor without a conflict has submitted, or the lead closed scoring."""
    if application.scoring_closed_at is not None:
        return True
    if reviews is None:
        reviews = list(application.reviews.all())
    return all(r.submitted_at is not None for r in reviews if not r.conflicted)


def partner_confirmations(application: Application) -> list[PartnerConfirmation]:
    """The answers of the partner councils the bid names (by council name)."""
    named = application.partner_councils.values("pk")
    return list(
        application.partner_confirmations.filter(council__in=named).select_related("council")
    )


def partners_waiting(partners: list[PartnerConfirmation]) -> list[str]:
    return [p.council.name for p in partners if p.status == PartnerStatus.PENDING]


def partners_declined(partners: list[PartnerConfirmation]) -> list[str]:
    return [p.council.name for p in partners if p.status == PartnerStatus.DECLINED]


@dataclass(frozen=True)
class Rule:
    """One condition: `holds` is checked, `refusal` is said when it fails
    (or `explain(facts)`, where the words name what is missing)."""

    name: str
    text: str
    refusal: str
    holds: Callable[[Facts], bool]
    explain: Callable[[Facts], str] | None = None
    # A condition on the bid rather than on the person (the partners'
    # answers): refused as bad input (ValidationError, shown on the page),
    # not as PermissionDenied, and checked after the bid's state.
    on_bid: bool = False

    def refused(self, facts: Facts) -> str:
        return self.explain(facts) if self.explain is not None else self.refusal


ASSIGNED = Rule(
    "assigned",
    "is assigned to assess the bid",
    "You are not assigned to assess this bid",
    lambda f: f.mine is not None,
)
NO_CONFLICT = Rule(
    "no conflict",
    "has not declared a conflict of interest on the bid",
    "You have declared a conflict of interest on this bid",
    lambda f: not f.conflicted,
)
LEAD = Rule(
    "lead",
    "is the bid's lead officer (while it has none: decides awards)",
    "Only the bid's lead officer can do this",
    lambda f: f.leads_or_manages,
)
WORKS_ON_IT = Rule(
    "works on it",
    "is the bid's lead officer or one of its assessors, or decides awards",
    "Only the bid's lead officer, its assessors or an officer who decides awards can do this",
    lambda f: f.is_lead or f.mine is not None or f.decider,
)
SCORING_OPEN = Rule(
    "scoring complete",
    "every assessor has scored, or the lead closed scoring",
    "Moderation opens once every assessor has submitted scores, or the lead closes scoring",
    lambda f: scoring_complete(f.application, f.reviews),
)
DECIDER = Rule(
    "decides awards",
    "has the 'decides awards' permission",
    "Only an officer who decides awards can decide a bid",
    lambda f: f.decider,
)
NOT_SCORED = Rule(
    "did not score",
    "did not score the bid",
    "You scored this bid, so someone else must decide it",
    lambda f: not f.scored,
)
NOT_OWN_COUNCIL = Rule(
    "not their council",
    "does not belong to a council on the bid",
    "You belong to a council on this bid, so you cannot decide it",
    lambda f: not f.own_council,
)
NONE_PENDING = Rule(
    "none pending",
    "no approval of the bid is waiting for a second decider",
    "An approval of this bid is already waiting for a second decider",
    lambda f: f.pending is None,
)
PENDING = Rule(
    "pending",
    "an approval of the bid is waiting for a second decider",
    "No approval of this bid is waiting for a second decider",
    lambda f: f.pending is not None,
)
NOT_FIRST_DECIDER = Rule(
    "second person",
    "did not take the first decision",
    "You took the first decision: a second decider must agree",
    lambda f: f.pending is None or f.pending.decided_by_id != f.user.pk,
)

NOT_SUBMITTED = Rule(
    "not submitted",
    "has not submitted their scores yet",
    "You have already submitted your scores",
    lambda f: not f.scored,
)

# The partner councils' answers (docs/bids.md, "Partner councils").
PARTNERS_ANSWERED = Rule(
    "partners answered",
    "every partner council the bid names has confirmed or declined",
    "Every partner council must confirm or decline before you send the bid",
    lambda f: not partners_waiting(f.partners),
    lambda f: (
        "Every partner council must confirm or decline before you send the bid. "
        f"Still to answer: {', '.join(partners_waiting(f.partners))}"
    ),
    on_bid=True,
)
NO_PARTNER_DECLINED = Rule(
    "no partner declined",
    "names no partner council that declined",
    "Take the councils that declined off the bid before you send it",
    lambda f: not partners_declined(f.partners),
    lambda f: (
        f"{', '.join(partners_declined(f.partners))} declined to be a partner: take "
        "them off the other councils this bid serves before you send it"
    ),
    on_bid=True,
)

DECIDING = (DECIDER, NOT_SCORED, NO_CONFLICT, NOT_OWN_COUNCIL)
# The scheme of delegation for budgets (docs/money.md): an award that takes a
# strand over its financial year's budget is refused, unless the decider who
# makes it final is also a budget holder ("commits over budget", given to
# named officers like "decides awards") and gives a reason. The permission
# belongs to the money-out app above; named here by its string only.
COMMIT_OVER_BUDGET = "payments.commit_over_budget"
OVER_BUDGET = Rule(
    "may exceed the budget",
    "decides awards and holds the budget (may commit beyond it, with a reason)",
    "This award would take the strand over its budget, and only a decider who holds "
    "the budget can approve it over budget",
    lambda f: f.decider and f.user.has_perm(COMMIT_OVER_BUDGET),
)


def over_budget_refusal(application: Application, user) -> str | None:
    """Why this person may not approve this bid over its strand's budget; None if they may."""
    if is_system(user):
        return None
    if not OVER_BUDGET.holds(Facts(application, as_user(user))):
        return OVER_BUDGET.refusal
    return None


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    by: Literal["officer", "council"]
    rules: tuple[Rule, ...] = ()
    # The admin URL name that takes it (officers' transitions), for the page's buttons.
    admin_url: str = ""


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        # The council's own.
        Transition(
            "submit",
            "Send the bid",
            (State.DRAFT,),
            State.SUBMITTED,
            "council",
            (PARTNERS_ANSWERED, NO_PARTNER_DECLINED),
        ),
        Transition(
            "provide_information",
            "Answer the questions",
            (State.MORE_INFORMATION,),
            State.IN_ASSESSMENT,
            "council",
        ),
        Transition("withdraw", "Withdraw the bid", OPEN_STATES, State.WITHDRAWN, "council"),
        # Officers'.
        Transition(
            "start_assessment",
            "Start assessment",
            (State.SUBMITTED,),
            State.IN_ASSESSMENT,
            "officer",
            (WORKS_ON_IT, NO_CONFLICT),
            "admin:applications_start",
        ),
        Transition(
            "assign",
            "Assign the lead officer and assessors",
            ASSESSING,
            None,
            "officer",
            (LEAD, NO_CONFLICT),
            "admin:applications_assign",
        ),
        Transition(
            "declare",
            "Declare any conflict of interest",
            ASSESSING,
            None,
            "officer",
            (ASSIGNED, NO_CONFLICT, NOT_SUBMITTED),
            "admin:applications_declare",
        ),
        Transition(
            "score",
            "Score the bid",
            ASSESSING,
            None,
            "officer",
            (ASSIGNED, NO_CONFLICT, NOT_SUBMITTED),
            "admin:applications_score",
        ),
        Transition(
            "close_scoring",
            "Close scoring",
            ASSESSING,
            None,
            "officer",
            (LEAD, NO_CONFLICT),
            "admin:applications_close_scoring",
        ),
        Transition(
            "moderate",
            "Moderate the scores",
            ASSESSING,
            None,
            "officer",
            (LEAD, NO_CONFLICT, SCORING_OPEN),
            "admin:applications_application_change",
        ),
        Transition(
            "request_information",
            "Request more information",
            (State.IN_ASSESSMENT,),
            State.MORE_INFORMATION,
            "officer",
            (WORKS_ON_IT, NO_CONFLICT),
            "admin:applications_information",
        ),
        Transition(
            "read_answer",
            "Mark the answer read",
            tuple(State.values),
            None,
            "officer",
            (NO_CONFLICT,),
            "admin:applications_answer_read",
        ),
        Transition(
            "approve",
            "Approve with an award",
            (State.IN_ASSESSMENT,),
            State.APPROVED,
            "officer",
            (*DECIDING, NONE_PENDING),
            "admin:applications_approve",
        ),
        Transition(
            "second_decision",
            "Agree or return the approval",
            (State.IN_ASSESSMENT,),
            State.APPROVED,
            "officer",
            (PENDING, *DECIDING, NOT_FIRST_DECIDER),
            "admin:applications_second_decision",
        ),
        Transition(
            "decline",
            "Decline",
            ASSESSING,
            State.DECLINED,
            "officer",
            (*DECIDING, NONE_PENDING),
            "admin:applications_decline",
        ),
    )
}


def _role_refusal(transition: Transition, application: Application, user) -> str | None:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return "Sign in to do this"
    role = user_role(user)
    if transition.by == "officer":
        return None if role == OFFICER else "Only LGA officers can do this"
    if role == APPLICANT and user.council_id == application.lead_council_id:
        return None
    return "Only users of this council can do this"


def refusal(
    name: str,
    application: Application,
    user,
    facts: Facts | None = None,
    *,
    person: bool = True,
    bid: bool = True,
) -> str | None:
    """Why this person may not take this transition on this bid now; None if they may.
    The bid's state is checked apart (`require`), so a page can say which it is.
    `person`/`bid`: check the rules on the person (and their role), the
    conditions on the bid, or both."""
    transition = TRANSITIONS[name]
    if person:
        problem = _role_refusal(transition, application, user)
        if problem:
            return problem
    facts = facts or Facts(application, user)
    for rule in transition.rules:
        if (person if not rule.on_bid else bid) and not rule.holds(facts):
            return rule.refused(facts)
    return None


def in_state(name: str, application: Application) -> bool:
    return application.state in TRANSITIONS[name].sources


def allowed(name: str, application: Application, user, facts: Facts | None = None) -> bool:
    return in_state(name, application) and refusal(name, application, user, facts) is None


def available(application: Application, user, facts: Facts | None = None) -> dict[str, bool]:
    """Every transition: may this person take it now? (The page's buttons.)"""
    facts = facts or Facts(application, user)
    return {name: allowed(name, application, user, facts) for name in TRANSITIONS}


def require(name: str, application: Application, actor: Actor | None, action: str) -> None:
    """The services' check, before any change: who acts (PermissionDenied with
    the rule's words), then the state, then the conditions on the bid
    (ValidationError). The portal itself is held to the states only."""
    if actor is None:
        raise PermissionDenied("No actor given: pass the user, or a SystemActor")
    facts = None if is_system(actor) else Facts(application, as_user(actor))
    if facts is not None:
        problem = refusal(name, application, facts.user, facts, bid=False)
        if problem:
            raise PermissionDenied(problem)
    require_state(application, TRANSITIONS[name].sources, action)
    if facts is not None:
        problem = refusal(name, application, facts.user, facts, person=False)
        if problem:
            raise ValidationError(problem, code="condition")


def require_state(application: Application, allowed: tuple[str, ...], action: str) -> None:
    if application.state not in allowed:
        raise ValidationError(
            f"You cannot {action} {application.reference}: it is "
            f"{application.get_state_display().lower()}",
            code="wrong_state",
        )


def scores_visible(application: Application, user, facts: Facts | None = None) -> bool:
    """Independence: may this person see the assessors' scores, means and
    recommendations of this bid? An assessor once they have submitted theirs;
    the lead and deciders once scoring is complete; nobody with a conflict,
    and nobody else."""
    if user_role(user) != OFFICER:
        return False
    facts = facts or Facts(application, user)
    if facts.mine is not None:
        return not facts.conflicted and facts.scored
    if not scoring_complete(application, facts.reviews):
        return False
    return facts.is_lead or facts.decider
