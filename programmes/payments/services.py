"""Every write of money out (docs/money.md). Keyword-only, one transaction each.

Races, and the row each write locks to prevent them:
- two approvals at once taking a strand over its budget: the strand's
  budget rows for the year (`_budget_lock`);
- two claims at once using the last of an award: the award's commitment row;
- two officers approving (or paying, or sending back) the same claim at once:
  the claim's row; the second finds it already moved and is told so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from applications import workflow
from programmes import documents
from programmes.models import Council, Strand
from programmes.payments import selectors
from programmes.payments.models import (
    COMMIT_OVER_BUDGET,
    RECORD_PAYMENTS,
    Budget,
    BudgetChange,
    CallClaimRule,
    Claim,
    ClaimState,
    Commitment,
    StrandLedger,
)
from programmes.permissions import (
    Actor,
    as_user,
    is_system,
    require_council_user,
    require_officer,
)
from savings.models import Investment
from savings.outbox import outbox_mark
from savings.years import validate_financial_year

PENNY = Decimal("0.01")
REASON_LIMIT = 1000


def money_check(amount: Decimal | None, *, what: str = "the amount") -> Decimal:
    """An amount of money a person typed: more than £0, to the penny."""
    if amount is None:
        raise ValidationError(f"Enter {what}", code="required")
    if amount <= 0:
        raise ValidationError(f"Enter {what} greater than £0", code="not_positive")
    if amount != amount.quantize(PENNY):
        raise ValidationError(
            f"Enter {what} in pounds and pence, to the nearest penny", code="fraction_of_penny"
        )
    return amount


def _reason_check(reason: str, message: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError(message, code="required")
    if len(reason) > REASON_LIMIT:
        raise ValidationError(
            f"The reason must be {REASON_LIMIT:,} characters or fewer", code="too_long"
        )
    return reason


# Budgets ----------------------------------------------------------------------


@transaction.atomic
def budget_set(
    *,
    strand: Strand,
    financial_year: str,
    funder: str,
    amount: Decimal,
    reason: str,
    actor: Actor,
    at: datetime | None = None,
) -> Budget:
    """Set (or change) a strand's budget from one funder for one year; the
    change is kept with its reason (BudgetChange) and in the audit trail."""
    require_officer(actor)
    validate_financial_year(financial_year)
    if amount is None or amount < 0 or amount != amount.quantize(PENNY):
        raise ValidationError(
            {"amount": "Enter the budget in pounds and pence, £0 or more"}, code="amount"
        )
    try:
        reason = _reason_check(reason, "Give the reason for setting or changing the budget")
    except ValidationError as error:
        raise ValidationError({"reason": error.messages}) from None
    at = at or timezone.now()
    budget = (
        Budget.objects.select_for_update()
        .filter(strand=strand, financial_year=financial_year, funder=funder)
        .first()
    )
    before = budget.amount if budget is not None else None
    if budget is None:
        budget = Budget(strand=strand, financial_year=financial_year, funder=funder)
    budget.amount = amount
    budget.reason = reason
    budget.updated_by = as_user(actor)
    budget.updated_at = at
    budget.full_clean(validate_unique=False)
    budget.save()
    BudgetChange.objects.create(
        budget=budget,
        amount_before=before,
        amount_after=amount,
        reason=reason,
        changed_by=as_user(actor),
        changed_at=at,
    )
    return budget


def _budget_lock(strand_id: int, financial_year: str) -> Decimal | None:
    """The strand's budget for the year over every funder, its rows locked
    until commit; None when no budget is set (the award is not checked)."""
    amounts = list(
        Budget.objects.select_for_update()
        .filter(strand_id=strand_id, financial_year=financial_year)
        .order_by("pk")
        .values_list("amount", flat=True)
    )
    return sum(amounts, Decimal(0)) if amounts else None


def committed_total(strand_id: int, financial_year: str) -> Decimal:
    total = Commitment.objects.filter(strand_id=strand_id, financial_year=financial_year).aggregate(
        total=models.Sum("amount")
    )["total"]
    return total or Decimal(0)


def _money_mark(commitment: Commitment) -> None:
    """Mark the award's scope for the drain, in this transaction: its money
    rollup (committed, claimed, paid) is rebuilt after commit (docs/money.md)."""
    outbox_mark([(commitment.strand_id, commitment.council_id, commitment.financial_year)])


# Commitments ------------------------------------------------------------------


def _commit(
    *,
    strand: Strand,
    council_id: int,
    value: Decimal,
    financial_year: str,
    actor: Actor,
    over_budget_reason: str,
    refusal_of: Callable[[], str | None],
    at: datetime | None = None,
    **award: Any,
) -> Commitment:
    """Commit `value` against the strand's budget for the year (its rows
    locked until commit). Over budget it is refused unless a budget holder
    gives a reason (`refusal_of` says why this person may not)."""
    budget = _budget_lock(strand.pk, financial_year)
    reason = over_budget_reason.strip()
    # The portal (demo loader, imports) records awards already decided.
    if budget is not None and not is_system(actor):
        headroom = budget - committed_total(strand.pk, financial_year)
        if value > headroom:
            if not reason:
                raise ValidationError(
                    f"This award of £{value:,.2f} would take {strand} over its "
                    f"{financial_year} budget of £{budget:,.2f}: £{max(headroom, 0):,.2f} "
                    "remains. Award less, or give the reason to approve it over budget "
                    "if the scheme of delegation lets you",
                    code="over_budget",
                )
            refusal = refusal_of()
            if refusal:
                # Said on the decision page, beside the form (not a 403):
                # the decider may award less instead.
                raise ValidationError(refusal, code="over_budget_not_allowed")
            _reason_check(reason, "Give the reason to approve the award over budget")
        else:
            reason = ""
    else:
        reason = ""
    created = Commitment.objects.create(
        strand=strand,
        council_id=council_id,
        financial_year=financial_year,
        awarded=value,
        amount=value,
        over_budget_reason=reason,
        committed_at=at or timezone.now(),
        **award,
    )
    _money_mark(created)
    return created


def commitment_record(
    *,
    application,
    value: Decimal,
    financial_year: str,
    actor: Actor,
    over_budget_reason: str = "",
    at: datetime | None = None,
) -> Commitment:
    """An award commits its value against its year's budget (the hook run by
    the final approval, in its transaction). Over budget it is refused,
    unless a budget holder approves it with a reason (applications.workflow.OVER_BUDGET)."""
    require_officer(actor)
    return _commit(
        strand=application.call.strand,
        council_id=application.lead_council_id,
        value=value,
        financial_year=financial_year,
        actor=actor,
        over_budget_reason=over_budget_reason,
        refusal_of=lambda: workflow.over_budget_refusal(application, actor),
        at=at,
        application=application,
    )


@transaction.atomic  # its own transaction when not called inside another (the budget lock)
def commitment_allocate(
    *,
    investment: Investment,
    actor: Actor,
    over_budget_reason: str = "",
    at: datetime | None = None,
) -> Commitment:
    """Money allocated outside bids (OPE's Cabinet Office resource for a
    pilot) commits against the strand's budget like an award. Going over
    budget needs "commits over budget" (there is no bid to decide)."""
    require_officer(actor)

    def refusal() -> str | None:
        if is_system(actor) or as_user(actor).has_perm(COMMIT_OVER_BUDGET):  # type: ignore[union-attr]
            return None
        return "Only an officer who holds the budget can allocate beyond it"

    return _commit(
        strand=investment.strand,
        council_id=investment.council_id,
        value=investment.amount,
        financial_year=investment.financial_year,
        actor=actor,
        over_budget_reason=over_budget_reason,
        refusal_of=refusal,
        at=at,
        investment=investment,
    )


def _claimed(commitment: Commitment) -> Decimal:
    # Every council's claims not sent back: selectors' one definition.
    return selectors.claimed_total(commitment)


def _commitment_lock(commitment: Commitment) -> Commitment:
    # Serialises claims on one award: without it two claims could each see
    # the last £500 as remaining and both take it.
    return Commitment.objects.select_for_update().get(pk=commitment.pk)


@transaction.atomic
def commitment_reduce(
    *, commitment: Commitment, amount: Decimal, reason: str, actor: Actor
) -> Commitment:
    """Reduce an award: the difference goes back to the budget. Never below
    what the council has already claimed."""
    require_officer(actor)
    reason = _reason_check(reason, "Give the reason the award is reduced")
    commitment = _commitment_lock(commitment)
    if commitment.is_withdrawn:
        raise ValidationError("This award has been withdrawn", code="withdrawn")
    if amount is None or amount < 0 or amount != amount.quantize(PENNY):
        raise ValidationError("Enter the new amount in pounds and pence", code="amount")
    if amount >= commitment.amount:
        raise ValidationError(
            f"Enter less than the £{commitment.amount:,.2f} committed now", code="not_less"
        )
    claimed = _claimed(commitment)
    if amount < claimed:
        raise ValidationError(
            f"The council has already claimed £{claimed:,.2f}: reduce the award to that or more",
            code="below_claimed",
        )
    commitment.amount = amount
    commitment.change_reason = reason
    commitment.save(update_fields=["amount", "change_reason"])
    _money_mark(commitment)
    return commitment


@transaction.atomic
def commitment_withdraw(
    *, commitment: Commitment, reason: str, actor: Actor, at: datetime | None = None
) -> Commitment:
    """Withdraw an award: claims waiting for a check are sent back, and what
    was not approved or paid goes back to the budget."""
    require_officer(actor)
    reason = _reason_check(reason, "Give the reason the award is withdrawn")
    at = at or timezone.now()
    commitment = _commitment_lock(commitment)
    if commitment.is_withdrawn:
        raise ValidationError("This award has already been withdrawn", code="withdrawn")
    commitment.claims.filter(state__in=(ClaimState.SUBMITTED, ClaimState.FIRST_APPROVED)).update(
        state=ClaimState.SENT_BACK,
        sent_back_reason=f"The award was withdrawn: {reason}",
        sent_back_at=at,
    )
    commitment.amount = _claimed(commitment)
    commitment.withdrawn_at = at
    commitment.change_reason = reason
    commitment.save(update_fields=["amount", "withdrawn_at", "change_reason"])
    _money_mark(commitment)
    return commitment


# Claims -----------------------------------------------------------------------


def remaining(commitment: Commitment) -> Decimal:
    """What remains of the award, whichever council claims it (a council's
    own limit, within its share, is selectors.claim_limit)."""
    return commitment.amount - _claimed(commitment)


def _claiming_council(commitment: Commitment, actor: Actor, council: Council | None) -> int:
    """The council that claims: the user's own (a council user claims only
    for their council), or for the portal the one given (the lead by default);
    refused unless it leads the award or is a partner with a share that
    confirmed (selectors.claim_limit)."""
    council_id: int | None
    if council is not None:
        council_id = council.pk
    elif is_system(actor):
        council_id = commitment.council_id
    else:
        council_id = getattr(as_user(actor), "council_id", None)  # no actor: refused below
    require_council_user(actor, council_id)
    assert council_id is not None  # require_council_user refuses a user of no council
    if selectors.claim_limit(commitment, council_id=council_id) is None:
        raise PermissionDenied("Only the councils of this award can claim on it")
    return council_id


@transaction.atomic
def claim_submit(
    *,
    commitment: Commitment,
    actor: Actor,
    amount: Decimal | None,
    period_from: date,
    period_to: date,
    invoice_reference: str,
    declaration: bool,
    evidence: UploadedFile | None = None,
    at: datetime | None = None,
    council: Council | None = None,
) -> Claim:
    """A council claims what it spent on its award, within what remains of
    the award and of its share (a partner council on its share of a shared
    award, docs/money.md). Each refusal names its field (ValidationError
    with an error dict)."""
    council_id = _claiming_council(commitment, actor, council)
    errors: dict[str, str] = {}
    try:
        money_check(amount, what="the amount you are claiming")
    except ValidationError as error:
        errors["amount"] = error.messages[0]
    if period_from and period_to and period_to < period_from:
        errors["period_to"] = "The end of the period must be the same as or after its start"
    reference = " ".join(invoice_reference.split())
    if not reference:
        errors["invoice_reference"] = "Enter the invoice reference"
    elif len(reference) > 60:
        errors["invoice_reference"] = "The invoice reference must be 60 characters or fewer"
    if not declaration:
        errors["declaration"] = (
            "Confirm that the money was spent on the award's work and is not claimed elsewhere"
        )
    kind = ""
    if evidence is not None:
        try:
            kind = documents.document_check(evidence)
        except ValidationError as error:
            errors["evidence"] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    assert amount is not None
    commitment = _commitment_lock(commitment)
    if commitment.is_withdrawn:
        raise ValidationError(
            f"You cannot claim on this award: it was withdrawn on "
            f"{timezone.localtime(commitment.withdrawn_at):%-d %B %Y}",
            code="withdrawn",
        )
    if commitment.is_in_adviser_days:
        raise ValidationError(
            "You cannot claim on this award: it is adviser days, and the LGA pays the "
            "adviser's organisation for the days logged",
            code="adviser_days",
        )
    key = reference.casefold()
    duplicate = commitment.claims.filter(invoice_key=key).exclude(state=ClaimState.SENT_BACK)
    if duplicate.exists():
        raise ValidationError(
            {"invoice_reference": f"You have already claimed invoice {reference} on this award"},
            code="duplicate_invoice",
        )
    # Under the award's lock: two councils claiming the last of it at once
    # are served one after the other (tests/payments/test_races.py).
    limit = selectors.claim_limit(commitment, council_id=council_id)
    if limit is None:  # the share went while the council was typing
        raise PermissionDenied("Only the councils of this award can claim on it")
    if amount > limit.left:
        what = "your council's share of the award" if limit.by_share else "the award"
        message = (
            f"Claim £{limit.left:,.2f} or less: that is what remains of {what}"
            if limit.left > 0
            else "Nothing remains to claim on "
            + ("your council's share of the award" if limit.by_share else "this award")
        )
        raise ValidationError({"amount": message}, code="over_remaining")
    stored = documents.document_store(evidence, kind) if evidence is not None else ""
    try:
        with transaction.atomic():
            _money_mark(commitment)
            return Claim.objects.create(
                commitment=commitment,
                council_id=council_id,
                amount=amount,
                period_from=period_from,
                period_to=period_to,
                invoice_reference=reference,
                invoice_key=key,
                evidence=stored,
                evidence_name=documents.safe_download_name(evidence.name or "")
                if evidence is not None
                else "",
                state=ClaimState.SUBMITTED,
                declared_by=as_user(actor),
                submitted_at=at or timezone.now(),
            )
    except IntegrityError:
        # The commitment lock makes this unreachable; the constraint stays as
        # the last word, and says the same as the check above.
        raise ValidationError(
            {"invoice_reference": f"You have already claimed invoice {reference} on this award"},
            code="duplicate_invoice",
        ) from None


@transaction.atomic
def claim_record_for_payee(
    *,
    commitment: Commitment,
    actor: Actor,
    payee: str,
    amount: Decimal,
    period_from: date,
    period_to: date,
    invoice_reference: str,
    at: datetime | None = None,
) -> Claim:
    """An officer records a claim on an award that is paid to someone other
    than the council (a Growth adviser's organisation, for the adviser days
    it invoiced: programmes.growth.services.adviser_days_cost). Within what
    remains of the award, one live claim per invoice, never on a withdrawn
    award; then checked, approved and paid as a council's claim is."""
    require_officer(actor)
    payee = " ".join(payee.split())
    if not payee:
        raise ValidationError({"payee": "Enter who is paid"}, code="required")
    try:
        money_check(amount, what="the amount")
    except ValidationError as error:
        raise ValidationError({"amount": error.messages}) from None
    reference = " ".join(invoice_reference.split())
    if not reference:
        raise ValidationError({"invoice_reference": "Enter the invoice reference"}, code="required")
    if len(reference) > 60:
        raise ValidationError(
            {"invoice_reference": "The invoice reference must be 60 characters or fewer"},
            code="too_long",
        )
    commitment = _commitment_lock(commitment)
    if commitment.is_withdrawn:
        raise ValidationError(
            f"This award was withdrawn on "
            f"{timezone.localtime(commitment.withdrawn_at):%-d %B %Y}: nothing more is paid on it",
            code="withdrawn",
        )
    key = reference.casefold()
    if commitment.claims.filter(invoice_key=key).exclude(state=ClaimState.SENT_BACK).exists():
        raise ValidationError(
            {"invoice_reference": f"Invoice {reference} has already been claimed on this award"},
            code="duplicate_invoice",
        )
    left = remaining(commitment)
    if amount > left:
        raise ValidationError(
            {
                "amount": f"This costs £{amount:,.2f}: only £{max(left, Decimal(0)):,.2f} "
                "remains of the award's commitment"
            },
            code="over_remaining",
        )
    _money_mark(commitment)
    return Claim.objects.create(
        commitment=commitment,
        council_id=commitment.council_id,
        payee=payee[:200],
        amount=amount,
        period_from=period_from,
        period_to=period_to,
        invoice_reference=reference,
        invoice_key=key,
        state=ClaimState.SUBMITTED,
        declared_by=as_user(actor),
        submitted_at=at or timezone.now(),
    )


def _claim_lock(claim: Claim) -> Claim:
    # Two officers on one claim at once: the second waits here, then finds
    # the claim already moved and is told so.
    return (
        Claim.objects.select_for_update(of=("self",))
        .select_related("commitment__application__call")
        .get(pk=claim.pk)
    )


def _already(claim: Claim, action: str) -> ValidationError:
    who = claim.second_by or claim.approved_by
    by = f" by {who.get_full_name() or who.get_username()}" if who is not None else ""
    state = claim.get_state_display().lower()
    if claim.state in (ClaimState.APPROVED, ClaimState.PAID):
        return ValidationError(
            f"You cannot {action} this claim: it has already been approved{by} ({state})",
            code="already_approved",
        )
    return ValidationError(f"You cannot {action} this claim: it is {state}", code="wrong_state")


def second_approval_above(claim: Claim) -> Decimal | None:
    """The call's limit; an allocation outside bids has none (one officer approves)."""
    application = claim.commitment.application
    if application is None:
        return None
    rule = CallClaimRule.objects.filter(call_id=application.call_id).first()
    return rule.second_approval_above if rule is not None else None


@transaction.atomic
def claim_approve(*, claim: Claim, actor: Actor, at: datetime | None = None) -> Claim:
    """An officer approves a claim; above the call's limit a second officer
    must approve it too (four eyes). Then it waits for finance to pay it."""
    require_officer(actor)
    claim = _claim_lock(claim)
    at = at or timezone.now()
    if claim.state == ClaimState.FIRST_APPROVED:
        if not is_system(actor) and claim.approved_by_id == as_user(actor).pk:  # type: ignore[union-attr]
            raise PermissionDenied(
                "You approved this claim first: a second officer must approve it"
            )
        claim.second_by = as_user(actor)
        claim.second_at = at
        claim.state = ClaimState.APPROVED
        claim.save(update_fields=["second_by", "second_at", "state"])
        return claim
    if claim.state != ClaimState.SUBMITTED:
        raise _already(claim, "approve")
    if claim.payee and not is_system(actor) and claim.declared_by_id == as_user(actor).pk:  # type: ignore[union-attr]
        # An officer's own claim (adviser days they costed) is checked by another.
        raise PermissionDenied("You recorded this claim: another officer must check and approve it")
    limit = second_approval_above(claim)
    claim.approved_by = as_user(actor)
    claim.approved_at = at
    needs_second = limit is not None and claim.amount > limit and not is_system(actor)
    claim.state = ClaimState.FIRST_APPROVED if needs_second else ClaimState.APPROVED
    claim.save(update_fields=["approved_by", "approved_at", "state"])
    return claim


@transaction.atomic
def claim_send_back(
    *, claim: Claim, actor: Actor, reason: str, at: datetime | None = None
) -> Claim:
    """An officer sends a claim back with a reason; the council may claim again."""
    require_officer(actor)
    try:
        reason = _reason_check(reason, "Give the reason the claim is sent back")
    except ValidationError as error:
        raise ValidationError({"reason": error.messages}) from None
    claim = _claim_lock(claim)
    if claim.state not in (ClaimState.SUBMITTED, ClaimState.FIRST_APPROVED):
        raise _already(claim, "send back")
    claim.state = ClaimState.SENT_BACK
    claim.sent_back_reason = reason
    claim.sent_back_at = at or timezone.now()
    claim.save(update_fields=["state", "sent_back_reason", "sent_back_at"])
    _money_mark(claim.commitment)
    return claim


def _require_finance(actor: Actor) -> None:
    """LGA finance: an officer with "records payments"; the portal may."""
    require_officer(actor)
    if not is_system(actor) and not as_user(actor).has_perm(RECORD_PAYMENTS):  # type: ignore[union-attr]
        raise PermissionDenied("Only LGA finance can record payments")


@transaction.atomic
def claim_pay(*, claim: Claim, actor: Actor, paid_on: date | None, reference: str) -> Claim:
    """LGA finance records that an approved claim has been paid."""
    _require_finance(actor)
    errors: dict[str, str] = {}
    if paid_on is None:
        errors["paid_on"] = "Enter the date the payment was made"
    elif paid_on > timezone.localdate():
        errors["paid_on"] = "The payment date must be today or in the past"
    reference = " ".join(reference.split())
    if not reference:
        errors["reference"] = "Enter the payment reference"
    elif len(reference) > 60:
        errors["reference"] = "The payment reference must be 60 characters or fewer"
    if errors:
        raise ValidationError(errors)
    claim = _claim_lock(claim)
    if claim.state == ClaimState.PAID:
        raise ValidationError(
            f"This claim was already paid on {claim.paid_on:%-d %B %Y}", code="already_paid"
        )
    if claim.state != ClaimState.APPROVED:
        raise _already(claim, "pay")
    claim.state = ClaimState.PAID
    claim.paid_on = paid_on
    claim.payment_reference = reference
    claim.payment_recorded_by = as_user(actor)
    claim.save(update_fields=["state", "paid_on", "payment_reference", "payment_recorded_by"])
    _money_mark(claim.commitment)
    return claim


# The codes and limits officers set --------------------------------------------


@transaction.atomic
def strand_ledger_save(*, ledger: StrandLedger, actor: Actor) -> StrandLedger:
    """A strand's cost centre and account code for the finance exports."""
    require_officer(actor)
    ledger.full_clean()
    ledger.save()
    return ledger


@transaction.atomic
def claim_rule_save(*, rule: CallClaimRule, actor: Actor) -> CallClaimRule:
    """A call's limit above which a second officer approves a claim."""
    require_officer(actor)
    rule.full_clean()
    rule.save()
    return rule
