"""The savings returns plug into the bids layer's extension points
(applications.extensions): approving a bid makes its returns, the admin home
counts returns waiting and overdue, the council's home says what it owes,
and retention removes a person's name from the declarations they signed."""

from __future__ import annotations

from django.db.models import Q

from applications import extensions
from applications.selectors import Queue
from programmes import retention as core
from programmes.returns import selectors, services
from programmes.returns.models import SavingsReturn

RETURNS = "admin:returns_savingsreturn_changelist"


def _council_home(*, council) -> dict:
    return {"returns_due": selectors.returns_due_for_council(council=council)}


def _user_anonymised(*, user) -> int:
    """The name the person signed savings returns' declarations with: the
    returns and their figures stay, the name goes (row by row, so the audit
    trail records it; then the trail's copies of the name are scrubbed)."""
    # The declaration is its preparer's (`prepared_by`; with certification
    # the finance officer sends it on as `submitted_by`, under the
    # preparer's name). Returns sent before preparers were recorded: the sender.
    preparer = Q(prepared_by=user) | Q(prepared_by__isnull=True, submitted_by=user)
    signed = list(SavingsReturn.objects.filter(preparer).exclude(declaration_name=""))
    for savings_return in signed:
        savings_return.declaration_name = core.REMOVED
        savings_return.save(update_fields=["declaration_name"])
    return core.audit_scrub(
        model=SavingsReturn,
        object_ids=[savings_return.pk for savings_return in signed],
        fields=["declaration_name"],
    )


def register() -> None:
    # The savings returns made from the call's schedule (docs/savings.md).
    extensions.on_award_made("returns", services.returns_generate)
    extensions.on_council_home("returns", _council_home)
    extensions.on_user_anonymised("returns", _user_anonymised)
    # The same conditions as the returns list's queue filter
    # (programmes.returns.admin.ReturnQueueFilter).
    extensions.queue_add(
        Queue(
            "returns_awaiting",
            "Savings returns awaiting verification",
            SavingsReturn,
            lambda user, today: selectors.AWAITING_VERIFICATION,
            RETURNS,
            "queue=awaiting",
        )
    )
    extensions.queue_add(
        Queue(
            "returns_overdue",
            "Savings returns overdue",
            SavingsReturn,
            lambda user, today: selectors.returns_as_at(today).overdue,
            RETURNS,
            "queue=overdue",
        )
    )
