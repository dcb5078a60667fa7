"""Reads of the council register that more than one place needs.

Successors and predecessors (docs/councils.md): when a council is abolished
the councils that take over its area are its successors (Allerdale's is
Cumberland). Both selectors follow the chain, so a successor's successor is
a successor too: a later access rule that lets a successor's users read
their predecessors' records reads `council_predecessors`, whatever the
number of reorganisations in between. Each costs two queries, whatever the
chain's length (the register's successor links are a small table).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from programmes.models import Council


def _links() -> list[tuple[int, int]]:
    """Every (predecessor id, successor id) link in the register."""
    through = Council.successors.through
    return list(through.objects.values_list("from_council_id", "to_council_id"))


def _reachable(start: int, links: Iterable[tuple[int, int]]) -> set[int]:
    """The councils reachable from `start` along `links`, start itself excluded."""
    following: dict[int, list[int]] = {}
    for source, target in links:
        following.setdefault(source, []).append(target)
    found: set[int] = set()
    frontier = [start]
    while frontier:
        step = [nxt for pk in frontier for nxt in following.get(pk, ()) if nxt not in found]
        found.update(step)
        frontier = step
    found.discard(start)
    return found


def council_successors(council: Council) -> list[Council]:
    """The councils that took over `council`'s area, and theirs in turn, by name."""
    ids = _reachable(council.pk, _links())
    return list(Council.objects.filter(pk__in=ids).order_by("name"))


def council_predecessors(council: Council) -> list[Council]:
    """The councils whose area `council` took over, and theirs in turn, by name:
    the councils whose history the successor is entitled to see."""
    ids = _reachable(council.pk, [(target, source) for source, target in _links()])
    return list(Council.objects.filter(pk__in=ids).order_by("name"))


def council_lineage_ids(council_id: int) -> tuple[set[int], set[int]]:
    """(successor ids, predecessor ids) of the council, following chains as
    `council_successors` and `council_predecessors` do: one query for both."""
    links = _links()
    return (
        _reachable(council_id, links),
        _reachable(council_id, [(target, source) for source, target in links]),
    )


def council_ids_readable(council_id: int | None) -> set[int]:
    """The councils whose records a user of this council may read: its own
    and its predecessors' (docs/security.md, "Partners, successors and
    predecessors"). Never its successors'. One query."""
    if council_id is None:
        return set()
    links = [(target, source) for source, target in _links()]
    return {council_id, *_reachable(council_id, links)}


def council_successors_problem(
    *, council: Council, successors: Iterable[Council], abolished_on: date | None
) -> str | None:
    """Why these successors cannot be `council`'s, or None if they can: a
    council is not its own successor, only an abolished council has
    successors, and no council succeeds one of its own successors."""
    chosen = list(successors)
    if not chosen:
        return None
    if council.pk is not None and any(other.pk == council.pk for other in chosen):
        return f"{council} cannot be its own successor"
    if abolished_on is None:
        return "Only an abolished council has successors: give the date it was abolished"
    if council.pk is None:
        return None
    links = _links()
    later = {
        pk: _reachable(pk, links) for pk in {other.pk for other in chosen if other.pk is not None}
    }
    for other in chosen:
        if council.pk in later.get(other.pk, set()):
            return f"{other} cannot succeed {council}: it is one of {council}'s predecessors"
    return None
