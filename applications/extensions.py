"""Where the layers above bids plug in, without bids importing them.

The savings returns (programmes.returns) sit above bids in the layers
(docs/architecture.md, "Layers"), yet a bid's life touches them: an award
asks for returns, the officers' admin home counts returns waiting, a
council's home says what it owes, and retention removes a person's name from
what they signed. Each of those points is named here; the app above
registers its callable in its AppConfig.ready(), as a strand declares itself
to the registry, and the bids code calls them explicitly at that point (no
signals). Registration is by name, so a second ready() (tests that change
INSTALLED_APPS) replaces rather than repeats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from applications.selectors import QUEUES, Queue

# name -> hook(application=, actor=), run in the approval's transaction.
_award_made: dict[str, Callable[..., object]] = {}
# name -> hook(application=, value=, financial_year=, at=, actor=, over_budget_reason=),
# run in the final approval's transaction before anything is recorded: it may
# refuse the award (ValidationError, PermissionDenied), e.g. over budget.
_award_committing: dict[str, Callable[..., object]] = {}
# name -> context(council=) -> dict added to the council's home page.
_council_home: dict[str, Callable[..., dict[str, Any]]] = {}
# name -> hook(user=) -> audit entries scrubbed, run when retention removes a
# person's personal data.
_user_anonymised: dict[str, Callable[..., int]] = {}


def on_award_made(name: str, hook: Callable[..., object]) -> None:
    _award_made[name] = hook


def on_award_committing(name: str, hook: Callable[..., object]) -> None:
    _award_committing[name] = hook


def on_council_home(name: str, context: Callable[..., dict[str, Any]]) -> None:
    _council_home[name] = context


def on_user_anonymised(name: str, hook: Callable[..., int]) -> None:
    _user_anonymised[name] = hook


def queue_add(queue: Queue) -> None:
    """A queue on the officers' admin home (after the bids' own)."""
    QUEUES[:] = [known for known in QUEUES if known.key != queue.key] + [queue]


def award_made(*, application, actor) -> None:
    for hook in _award_made.values():
        hook(application=application, actor=actor)


def award_committing(*, application, value, financial_year, at, actor, over_budget_reason) -> None:
    for hook in _award_committing.values():
        hook(
            application=application,
            value=value,
            financial_year=financial_year,
            at=at,
            actor=actor,
            over_budget_reason=over_budget_reason,
        )


def council_home(*, council) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for fill in _council_home.values():
        context |= fill(council=council)
    return context


def user_anonymised(*, user) -> int:
    return sum(hook(user=user) for hook in _user_anonymised.values())
