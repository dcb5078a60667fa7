"""The officers' word search of bids (the bid list in the admin).

PostgreSQL: full-text search (English stemming, websearch syntax) on the
stored tsvector of `search_document`, the generated column `search_vector`
with its GIN index (`application_search`), both made by migration 0007 on
PostgreSQL only; the matches are ranked (`search_rank`, best first).
Elsewhere: every word somewhere in the text (icontains), unranked. A whole
reference (`PE-2013-0042`) finds that bid alone.

The stored column is not a model field (the database keeps it, on
PostgreSQL only), so the search names it with `StoredColumn`, a column of
the queryset's own table that Django renames with the table: the admin
reads a page's keys in a subquery (`EstimatedCountPaginator`, keys first)
whose table is `U0`, and a column named by its table's name there (a
`RawSQL("applications_application.search_vector")`, as before issue 26)
pointed at the outer query's row instead: PostgreSQL then ran the whole
search and ranking once per matching row (374 ms at 88,000 bids for a
common word, 3 s for a word every bid has). Named through the alias, the
subquery is one index scan of the matches and one ranking, whatever the page.

Ranking reads every match, so a word in most bids cost the ranking of tens
of thousands of rows a page (144 ms at 88,000 bids for "Benchmark", every
bid; issue 26). A search that matches more than `RANKED_AT_MOST` bids
(`search_is_common`: one probe for the match past that many) is listed in
the list's own order instead, newest sent first, which the list's index
gives a page at a time; the officer is told, and more words bring the
ranking back. The bids found are the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVectorExact,
    SearchVectorField,
)
from django.db import connections
from django.db.models import Expression, FloatField, Q, QuerySet, Value

from applications.models import Application

SEARCH_CONFIG = "english"
# The stored tsvector of `search_document` (migration 0007, PostgreSQL only).
SEARCH_COLUMN = "search_vector"
# Searches matching more bids than this are listed newest first, not ranked
# (the module's docstring says why); the admin's paginator estimates counts
# from the same number of rows (EstimatedCountPaginator.exact_below).
RANKED_AT_MOST = 10_000
# A bid's reference, typed whole: PE-2013-0042.
REFERENCE = re.compile(r"^[A-Za-z]+-\d{4}-\d+$")


class StoredColumn(Expression):
    """A column of the queryset's base table that the model does not declare
    (a generated column kept by the database), written as `alias.column`
    with the alias the query gives that table, also inside a subquery."""

    def __init__(self, column: str, output_field: Any, alias: str | None = None) -> None:
        super().__init__(output_field=output_field)
        self.column = column
        self.alias = alias

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        resolved = self.copy()
        resolved.is_summary = summarize
        if query is not None:
            resolved.alias = query.get_initial_alias()
        return resolved

    def relabeled_clone(self, change_map: Mapping[str, str]) -> StoredColumn:
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias) if self.alias else None
        return clone

    def get_group_by_cols(self) -> list[Any]:
        return [self]

    def as_sql(self, compiler, connection) -> tuple[str, list[Any]]:
        column = connection.ops.quote_name(self.column)
        if not self.alias:
            return column, []
        return f"{compiler.quote_name_unless_alias(self.alias)}.{column}", []


def applications_search(queryset: QuerySet[Application], terms: str) -> QuerySet[Application]:
    """Bids whose title, summary, answers or councils match the words, or the
    bid with the reference typed, annotated `search_rank` (best first on
    PostgreSQL; the module's docstring says how)."""
    terms = terms.strip()
    if not terms:
        return queryset
    if REFERENCE.match(terms):
        return queryset.filter(reference__iexact=terms).annotate(
            search_rank=Value(1.0, output_field=FloatField())
        )
    if connections[queryset.db].vendor == "postgresql":
        stored = StoredColumn(SEARCH_COLUMN, output_field=SearchVectorField())
        query = SearchQuery(terms, config=SEARCH_CONFIG, search_type="websearch")
        return queryset.filter(SearchVectorExact(stored, query)).annotate(
            search_rank=SearchRank(stored, query)
        )
    words = Q()
    for word in terms.split():
        words &= Q(search_document__icontains=word)
    return queryset.filter(words).annotate(search_rank=Value(0.0, output_field=FloatField()))


def search_is_common(queryset: QuerySet[Application], terms: str) -> bool:
    """Do more than RANKED_AT_MOST bids match? On PostgreSQL: one probe for
    the row past the limit, a read of at most that many matches (fewer than
    the ranking it spares, or than it then reads). Not the planner's
    estimate: it takes the words as unrelated, and two words one bid in five
    has together ("contracts renegotiated", 17,572 of 87,764 bids) were
    estimated at 3,570, so ranked (140 ms; issue 26). Elsewhere never: those
    lists are small and their search does not rank."""
    # A NUL is no word (the admin's search form refuses it; PostgreSQL
    # cannot take it as a parameter).
    if not terms.strip() or "\x00" in terms or connections[queryset.db].vendor != "postgresql":
        return False
    found = applications_search(queryset, terms).order_by()
    return found[RANKED_AT_MOST : RANKED_AT_MOST + 1].exists()
