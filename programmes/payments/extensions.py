"""Money out's place in the bids' workflow (applications.extensions)."""

from __future__ import annotations

from applications import extensions
from programmes.payments import services


def register() -> None:
    # An award commits its value against its year's budget, or is refused
    # over budget (docs/money.md, "Commitments").
    extensions.on_award_committing("payments", services.commitment_record)
