"""Every page of every role at two data sizes: server time and queries, side by side.

Builds the demo data set, 400 more councils, then bids in every state (with
scores, events, documents' metadata and partner councils) and savings facts,
in two steps in its own PostgreSQL database, and after each step renders each
page through Django's test client as the role that uses it:

- the admin: every registered model's list (discovered from the admin site,
  so a new model is covered) - first, middle and last page, filtered by its
  first filter, searched and sorted by its second column - and the
  assessment page of a bid;
- the board: overview, every strand, a council, the councils list, the
  board papers list, a published paper (the demo's 2013 one), the draft (as
  an officer) and one CSV of each kind;
- a council applicant: its bids (one council leads 5% of all bids), a bid,
  its awards;
- public pages and open data; and every other page without parameters in the
  URL configuration (discovered), as the first role it opens for.

Sizes: by default 1,000 then 10,000 bids and 100,000 then 1,000,000 savings
entries (about 4 minutes on this 2-core machine); --quick for 1,000/100,000 then
2,000/200,000. Usage (README "Benchmarks"):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/productivity_bench_pages \\
    .venv/bin/python benchmarks/pages.py [--quick] [--repeat 5] [--only admin]

It drops and recreates every table in that database: never point it at real data.
"""

from __future__ import annotations

import argparse
import io
import logging
import math
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--bids", default="1000,10000", help="the two bid counts")
parser.add_argument("--entries", default="100000,1000000", help="the two savings entry counts")
parser.add_argument("--quick", action="store_true", help="1,000/100,000 then 2,000/200,000")
parser.add_argument("--repeat", type=int, default=5)
parser.add_argument("--only", default="", help="only pages whose name contains this")
# benchmarks/load.py imports this module for its bids builder.
OPTIONS = parser.parse_args(None if __name__ == "__main__" else [])
if OPTIONS.quick:
    OPTIONS.bids, OPTIONS.entries = "1000,2000", "100000,200000"
BIDS = [int(n) for n in OPTIONS.bids.split(",")]
ENTRIES = [int(n) for n in OPTIONS.entries.split(",")]

# The data builders and the measurement of the rollup and board benchmarks
# (importing board_pages sets Django up on BENCH_DATABASE_URL).
from benchmarks import board_pages  # noqa: E402
from benchmarks import rollups as scale  # noqa: E402

board_pages.OPTIONS.repeat = OPTIONS.repeat

from django.conf import settings  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from applications.models import Application, ApplicationState, Call  # noqa: E402
from programmes.board.models import BoardPaper, PaperState  # noqa: E402
from programmes.models import Council, User  # noqa: E402
from savings import rollups  # noqa: E402
from savings.models import Investment  # noqa: E402

BID_STATES = [state.value for state in ApplicationState]


def add_bids(first: int, last: int) -> None:
    """Bids first..last over every call and council, in every state (one in
    seven of each), 5% of them led by Allerdale (the demo applicant's council),
    with scores, two events, two documents' metadata and a partner council.
    A draft that would be a council's second on a call is left out."""
    calls = list(Call.objects.select_related("strand").order_by("pk"))
    allerdale = Council.objects.get(short_name="Allerdale").pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH c AS (SELECT array_agg(id ORDER BY id) AS ids FROM programmes_council),
                 k AS (SELECT array_agg(id ORDER BY id) AS ids FROM applications_call)
            INSERT INTO applications_application (call_id, lead_council_id, reference, title,
                summary, amount_requested, state, version, award_amount, recommendation,
                assessment_notes, submitted_at, decided_at, created_at, updated_at,
                moderation_reason, search_document, scoring_closed_reason)
            SELECT k.ids[1 + (g / 7) %% array_length(k.ids, 1)],
                   CASE WHEN g %% 20 = 0 THEN %(allerdale)s
                        ELSE c.ids[1 + (g / 7 / array_length(k.ids, 1))
                                   %% array_length(c.ids, 1)] END,
                   'BENCH-2026-' || lpad(g::text, 7, '0'),
                   'Benchmark bid ' || g, 'A synthetic bid for the page benchmark.',
                   10000 + g %% 90000, (%(states)s::text[])[1 + g %% 7], 1,
                   CASE WHEN g %% 7 = 4 THEN 5000 + g %% 50000 END,
                   CASE WHEN g %% 7 IN (4, 5) THEN 'fund' ELSE '' END, '',
                   CASE WHEN g %% 7 > 0 THEN now() - (g %% 900) * interval '1 day' END,
                   CASE WHEN g %% 7 IN (4, 5) THEN now() - (g %% 800) * interval '1 day' END,
                   now() - (g %% 1000) * interval '1 day', now(), '', '', ''
            FROM generate_series(%(first)s, %(last)s) AS g, c, k
            ON CONFLICT DO NOTHING
            """,
            {"first": first, "last": last, "states": BID_STATES, "allerdale": allerdale},
        )
        new = "a.reference >= %(low)s AND a.reference <= %(high)s"
        span = {"low": f"BENCH-2026-{first:07d}", "high": f"BENCH-2026-{last:07d}"}
        for call in calls:
            criteria = [key for key, _ in call.strand.spec.assessment_criteria]
            cursor.execute(
                f"""
                INSERT INTO applications_score (application_id, criterion, score)
                SELECT a.id, c.criterion, 1 + (a.id + length(c.criterion)) %% 5
                FROM applications_application a, unnest(%(criteria)s::text[]) AS c(criterion)
                WHERE {new} AND a.call_id = %(call)s
                  AND a.state NOT IN ('draft', 'submitted', 'withdrawn')
                """,  # noqa: S608 - constant SQL, values are parameters
                {**span, "criteria": criteria, "call": call.pk},
            )
        # Two assessors' reviews of each bid being assessed (the demo
        # officer one of them, so that "assigned to me" has rows), with their
        # scores; the stored mean and the search text, as the services keep them.
        assessors = list(
            User.objects.filter(
                username__in=["demo-officer", "demo-assessor-a", "demo-assessor-b"]
            ).values_list("pk", flat=True)
        )
        cursor.execute(
            f"""
            INSERT INTO applications_review (application_id, assessor_id, conflict,
                conflict_note, recommendation, notes, submitted_at, assigned_at)
            SELECT a.id, (%(assessors)s::int[])[1 + (a.id + r) %% 3],
                   CASE WHEN a.id %% 3 = 0 AND r = 1 THEN '' ELSE 'none' END, '',
                   CASE WHEN a.id %% 3 = 0 AND r = 1 THEN '' ELSE 'fund' END, '',
                   CASE WHEN a.id %% 3 = 0 AND r = 1 THEN NULL ELSE a.submitted_at END,
                   a.submitted_at
            FROM applications_application a, generate_series(0, 1) AS r
            WHERE {new} AND a.state IN ('in_assessment', 'more_information')
            """,  # noqa: S608 - constant SQL, values are parameters
            {**span, "assessors": assessors},
        )
        cursor.execute(
            f"""
            INSERT INTO applications_reviewscore (review_id, criterion, score, note)
            SELECT v.id, s.criterion, 1 + (v.id + length(s.criterion)) %% 5, ''
            FROM applications_review v
            JOIN applications_application a ON a.id = v.application_id
            JOIN applications_score s ON s.application_id = a.id
            WHERE {new} AND v.submitted_at IS NOT NULL
            """,  # noqa: S608 - constant SQL, values are parameters
            span,
        )
        cursor.execute(
            f"""
            UPDATE applications_application a
            SET mean_score = m.mean,
                search_document = a.reference || E'\\n' || c.name || E'\\n' || a.title
                    || E'\\n' || a.summary || E'\\n' || m.words
            FROM (SELECT a.id, round(avg(s.score), 1) AS mean,
                         (ARRAY['contracts renegotiated', 'shared estate plan',
                                'growth strategy for market towns', 'customer contact',
                                'energy procurement'])[1 + a.id %% 5] AS words
                  FROM applications_application a
                  LEFT JOIN applications_score s ON s.application_id = a.id
                  WHERE {new} GROUP BY a.id) AS m, programmes_council c
            WHERE a.id = m.id AND c.id = a.lead_council_id
            """,  # noqa: S608 - constant SQL, values are parameters
            span,
        )
        cursor.execute(
            f"""
            INSERT INTO applications_applicationevent (application_id, at, from_state,
                to_state, description, note, visible_to_applicant)
            SELECT a.id, a.created_at + e * interval '1 hour',
                   CASE WHEN e = 0 THEN '' ELSE 'draft' END,
                   CASE WHEN e = 0 THEN 'draft' ELSE a.state END,
                   CASE WHEN e = 0 THEN 'Bid started' ELSE 'State changed' END, '', true
            FROM applications_application a, generate_series(0, 1) AS e WHERE {new}
            """,  # noqa: S608 - constant SQL, values are parameters
            span,
        )
        cursor.execute(
            f"""
            INSERT INTO applications_document (application_id, purpose, original_name,
                stored_name, kind, size, uploaded_at, shared_with_partners)
            SELECT a.id, 'supporting', 'business-case-' || d || '.pdf',
                   md5(a.reference || '-' || d), 'pdf', 20000 + a.id %% 100000, a.created_at,
                   false
            FROM applications_application a, generate_series(1, 2) AS d WHERE {new}
            """,  # noqa: S608 - constant SQL, values are parameters
            span,
        )
        cursor.execute(
            f"""
            WITH c AS (SELECT array_agg(id ORDER BY id) AS ids FROM programmes_council)
            INSERT INTO applications_application_partner_councils (application_id, council_id)
            SELECT a.id, c.ids[1 + (a.id * 7) %% array_length(c.ids, 1)]
            FROM applications_application a, c
            WHERE {new} AND c.ids[1 + (a.id * 7) %% array_length(c.ids, 1)] <> a.lead_council_id
            """,  # noqa: S608 - constant SQL, values are parameters
            span,
        )
        # An approved bid's award is the investment its council reports
        # savings against (savings.selectors.awards_for_council).
        cursor.execute(
            f"""
            INSERT INTO savings_investment (strand_id, council_id, financial_year, source,
                amount, description, created_at, application_id, awarded_on)
            SELECT k.strand_id, a.lead_council_id, '2025/26', 'lga_grant', a.award_amount,
                   '', a.decided_at, a.id, a.decided_at::date
            FROM applications_application a JOIN applications_call k ON k.id = a.call_id
            WHERE {new} AND a.state = 'approved'
            """,  # noqa: S608 - constant SQL, values are parameters
            span,
        )
        for table in (
            "application",
            "score",
            "applicationevent",
            "document",
            "review",
            "reviewscore",
        ):
            cursor.execute(f"ANALYZE applications_{table}")
    # The strand's own answers (one row per bid, as application_create makes):
    # blank, as a bid just started has them.
    for call in calls:
        model = call.strand.spec.bid_detail_model
        if model is None:
            continue
        ids = Application.objects.filter(
            call=call, reference__gte=span["low"], reference__lte=span["high"]
        ).values_list("pk", flat=True)
        model._default_manager.bulk_create(
            (model(application_id=pk) for pk in ids.iterator()), batch_size=2000
        )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def build_first(bids: int, entries: int) -> None:
    scale.reset_database()
    with redirect_stdout(io.StringIO()):  # the demo's logins are of no use here
        call_command("load_demo", force=True)
    scale.build_dimensions()  # 400 benchmark councils beside the demo's
    scale.ARGS.councils = Council.objects.count()
    scale.add_investments()
    grow(0, bids, 0, entries)


def grow(bids_from: int, bids_to: int, entries_from: int, entries_to: int) -> None:
    start = time.perf_counter()
    add_bids(bids_from + 1, bids_to)
    scale.add_entries(entries_from + 1, entries_to)
    rollups.recompute_all()
    scale.say(
        f"Built {Application.objects.count():,} bids and {entries_to:,} savings entries"
        f" in {time.perf_counter() - start:.1f}s"
    )


def admin_pages() -> dict[str, str]:
    """Every registered model's changelist: first, middle and last page,
    filtered, searched and sorted (the last four only past one page)."""
    pages = {}
    for model, model_admin in sorted(
        admin.site._registry.items(), key=lambda item: item[0]._meta.label
    ):
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        name = f"admin {model._meta.label_lower.split('.')[1]}"
        pages[name] = url
        count = model._default_manager.count()
        last = math.ceil(count / model_admin.list_per_page)
        if last <= 1:
            continue
        pages[f"{name} middle page"] = f"{url}?p={last // 2}"
        pages[f"{name} last page"] = f"{url}?p={last}"
        spec = next((f for f in model_admin.list_filter if isinstance(f, str)), None)
        if spec and "__" not in spec:
            field = model._meta.get_field(spec)
            value = model._default_manager.values_list(spec, flat=True).order_by(spec).last()
            if value is not None:
                key = f"{spec}__id__exact" if field.is_relation else f"{spec}__exact"
                pages[f"{name} filtered ({spec})"] = f"{url}?{key}={value}"
        if model_admin.search_fields:
            pages[f"{name} searched"] = f"{url}?q=Benchmark"
        if len(model_admin.list_display) > 1:
            pages[f"{name} sorted (column 2)"] = f"{url}?o=-2"
    pages.update(bid_list_pages())
    # An Experts bid: the strand whose page reads most (partner councils,
    # projections), so both sizes measure the same kind of page.
    bid = (
        Application.objects.filter(
            state=ApplicationState.IN_ASSESSMENT, call__strand__key="experts"
        )
        .order_by("pk")
        .last()
    )
    if bid is not None:
        pages["admin assessment page (a bid)"] = reverse(
            "admin:applications_application_change", args=[bid.pk]
        )
    return pages


def bid_list_pages() -> dict[str, str]:
    """The bid list's targets (issue 14: at most 100 ms and 15 queries each at
    10,000 bids): filtered by state and by queue, searched by words of the
    answers, and sorted by mean score, first and last page of each."""
    from applications.selectors import applications_search, queue_get

    url = reverse("admin:applications_application_changelist")
    officer = User.objects.get(username="demo-officer")
    bids = Application.objects.all()

    def queue(key: str):
        found = queue_get(key)
        assert found is not None
        return bids.filter(found.condition(officer, timezone.localdate()))

    views = {
        "filtered (in assessment)": (
            "state__exact=in_assessment",
            bids.filter(state="in_assessment"),
        ),
        "queue (assigned to me)": ("queue=mine", queue("mine")),
        "queue (awaiting moderation)": ("queue=moderation", queue("moderation")),
        "searched (words)": (
            "q=contracts+renegotiated",
            applications_search(bids, "contracts renegotiated"),
        ),
        "sorted by mean": ("o=-8", bids),
        "sorted by mean, searched": (
            "q=growth+strategy&o=-8",
            applications_search(bids, "growth strategy"),
        ),
    }
    per_page = admin.site._registry[Application].list_per_page
    pages = {}
    for name, (query, rows) in views.items():
        pages[f"admin bid list {name}"] = f"{url}?{query}"
        last = math.ceil(rows.count() / per_page)
        if last > 1:
            pages[f"admin bid list {name} last page"] = f"{url}?{query}&p={last}"
    return pages


def board_and_council_pages() -> dict[str, tuple[str, str]]:
    council = Council.objects.get(short_name="Allerdale")
    bid = Application.objects.filter(lead_council=council).order_by("pk").last()
    award = (
        Investment.objects.filter(council=council, application__isnull=False).order_by("pk").last()
    )
    # The demo's papers: the 2013 one as published (its snapshot) and the draft.
    paper = BoardPaper.objects.filter(state=PaperState.PUBLISHED).order_by("pk").first()
    draft = BoardPaper.objects.filter(state=PaperState.DRAFT).order_by("pk").first()
    pages = {
        "board overview": ("board", reverse("board:overview")),
        **{
            f"board strand {key}": ("board", reverse("board:strand", args=[key]))
            for key in ("ope", "experts", "asce", "growth", "procurement")
        },
        "board council (Allerdale)": ("board", reverse("board:council", args=[council.pk])),
        "board councils list": ("board", reverse("board:councils")),
        "board papers list": ("board", reverse("board:papers")),
        "board published paper": ("board", reverse("board:paper", args=[paper.pk])),
        "board draft paper (officer)": ("officer", reverse("board:paper", args=[draft.pk])),
        "board CSV savings by year": (
            "board",
            reverse("board:overview_csv", args=["savings_by_year"]),
        ),
        "council bids list (Allerdale)": ("applicant", reverse("applications:bid_list")),
        "council awards list": ("applicant", reverse("savings:award_list")),
        "open data index": ("public", reverse("opendata:index")),
        "open data grants.json": ("public", reverse("opendata:json")),
        "open data grants.csv": ("public", reverse("opendata:csv")),
    }
    if bid is not None:
        pages["council bid page"] = ("applicant", bid.get_absolute_url())
    if award is not None:
        pages["council award page"] = (
            "applicant",
            reverse("savings:award_detail", args=[award.pk]),
        )
    return pages


def parameterless_urls() -> list[str]:
    """Every URL of the configuration that takes no parameter, but the admin's,
    sign-out and the health check."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route != "admin/":
                    walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern) and "<" not in route and "(" not in route:
                found.append("/" + (prefix + route).lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return [url for url in found if url not in ("/sign-out/", "/healthz")]


def clients() -> dict[str, Client]:
    return {
        "public": Client(),
        "applicant": board_pages.signed_in_client(User.objects.get(username="demo-allerdale")),
        "board": board_pages.signed_in_client(User.objects.get(username="demo-board")),
        "officer": board_pages.signed_in_client(User.objects.get(username="demo-officer")),
    }


def every_page(by_role: dict[str, Client]) -> dict[str, tuple[str, str]]:
    pages = board_and_council_pages()
    pages.update({name: ("officer", url) for name, url in admin_pages().items()})
    known = {url for _, url in pages.values()}
    for url in parameterless_urls():
        if url in known:
            continue
        for role in ("public", "applicant", "board", "officer"):
            if by_role[role].get(url).status_code == 200:
                pages[f"{url} ({role})"] = (role, url)
                break
    return pages


def measure_all(pages: dict[str, tuple[str, str]], by_role: dict[str, Client]) -> dict:
    results = {}
    for name, (role, url) in pages.items():
        if OPTIONS.only and OPTIONS.only not in name:
            continue
        try:
            results[name] = board_pages.measure(by_role[role], url)
        except AssertionError as error:
            results[name] = f"status {error.args[0][1]}"
    return results


def cell(result) -> str:
    if isinstance(result, str) or result is None:
        return f"{result or '-':>42}"
    median, worst, cpu, queries, _size = result
    return f"{median:7.1f} {worst:7.1f} ms cpu {cpu:6.1f} ms {queries:4d} q"


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The measurement runs on PostgreSQL: set BENCH_DATABASE_URL")
    began = time.perf_counter()
    # Refusals (403 for an officer on superuser-only lists) and the drains
    # that find no broker are expected here; the table reports statuses.
    logging.disable(logging.CRITICAL)
    scale.say(f"Database: {connection.settings_dict['NAME']}; resetting it")
    build_first(BIDS[0], ENTRIES[0])
    by_role = clients()
    pages = every_page(by_role)
    small = measure_all(pages, by_role)
    grow(BIDS[0], BIDS[1], ENTRIES[0], ENTRIES[1])
    by_role = clients()
    pages.update(every_page(by_role))  # the middle and last pages move on
    large = measure_all(pages, by_role)
    heads = [f"{b:,} bids / {e:,} entries" for b, e in zip(BIDS, ENTRIES, strict=True)]
    scale.say(
        f"\nServer time over {OPTIONS.repeat} renders: median, max; the median CPU time of "
        "Django's own work (steadier on a shared machine); queries of one render"
    )
    scale.say(f"{'page':<48} {heads[0]:>42}   {heads[1]:>42}")
    for name in pages:
        if name in small or name in large:
            scale.say(f"{name[:48]:<48} {cell(small.get(name))}   {cell(large.get(name))}")
    scale.say(f"\nWhole run: {time.perf_counter() - began:.0f}s")


if __name__ == "__main__":
    # Pages render without collectstatic having run (as in board_pages.py).
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        main()
