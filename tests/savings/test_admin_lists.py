"""The savings and investment admin lists at a million rows' design, at test size:
counts PostgreSQL estimates above a threshold, last pages read backwards, a
year filter that probes an index. Timings are in benchmarks/admin_lists.py."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programmes.admin_tools import EstimatedCountPaginator, distinct_values
from savings import services
from savings.models import Investment, InvestmentSource, SavingsEntry, SavingsKind

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="planner estimates (EXPLAIN) are PostgreSQL's; elsewhere counts are exact",
)


def add_entries(strand, council, years: dict[str, int]) -> None:
    SavingsEntry.objects.bulk_create(
        SavingsEntry(
            strand=strand,
            council=council,
            financial_year=year,
            kind=SavingsKind.PROJECTED,
            amount=Decimal(number),
        )
        for year, count in years.items()
        for number in range(count)
    )


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE savings_savingsentry")


@pytest.mark.django_db
def test_counts_are_exact_below_the_threshold(strands, council_a):
    add_entries(strands["experts"], council_a, {"2013/14": 30})
    paginator = EstimatedCountPaginator(SavingsEntry.objects.order_by("pk"), 10)
    assert paginator.count == 30
    assert not paginator.estimated
    assert paginator.num_pages == 3


@postgres_only
@pytest.mark.django_db
def test_counts_above_the_threshold_are_the_estimate_without_a_count(strands, council_a):
    add_entries(strands["experts"], council_a, {"2013/14": 1500, "2014/15": 500})
    analyze()
    everything = EstimatedCountPaginator(SavingsEntry.objects.order_by("pk"), 100)
    everything.exact_below = 1000
    one_year = EstimatedCountPaginator(
        SavingsEntry.objects.filter(financial_year="2013/14").order_by("pk"), 100
    )
    one_year.exact_below = 1000
    with CaptureQueriesContext(connection) as queries:
        assert 1800 <= everything.count <= 2200
        assert 1300 <= one_year.count <= 1700
    assert everything.estimated and one_year.estimated
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


@postgres_only
@pytest.mark.django_db
def test_a_filter_narrowing_below_the_threshold_is_counted_exactly(strands, council_a):
    add_entries(strands["experts"], council_a, {"2013/14": 1500, "2014/15": 7})
    analyze()
    paginator = EstimatedCountPaginator(
        SavingsEntry.objects.filter(financial_year="2014/15").order_by("pk"), 100
    )
    paginator.exact_below = 1000
    assert paginator.count == 7
    assert not paginator.estimated


@postgres_only
@pytest.mark.django_db
def test_an_estimate_far_below_the_rows_a_list_has_reads_no_more_than_the_threshold(
    strands, council_a, monkeypatch
):
    """A planner estimate can be too low as well (two search words that go
    together, issue 26): the rows are counted up to the threshold, not all
    of them, and the list says "about"."""
    from programmes import admin_tools

    add_entries(strands["experts"], council_a, {"2013/14": 300})
    monkeypatch.setattr(admin_tools, "estimated_count", lambda rows: 20)
    paginator = EstimatedCountPaginator(SavingsEntry.objects.order_by("pk"), 10)
    paginator.exact_below = 100
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 100
    assert paginator.estimated
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 100" in sql for sql in counts)
    rows = [row for number in paginator.page_range for row in paginator.page(number)]
    assert rows[-1] == SavingsEntry.objects.order_by("pk").last()  # the real last row


@pytest.mark.django_db
def test_every_page_read_forwards_or_backwards_shows_each_row_once_in_order(strands, council_a):
    add_entries(strands["experts"], council_a, {"2014/15": 130, "2013/14": 120})
    entries = SavingsEntry.objects.order_by("financial_year", "pk")
    paginator = EstimatedCountPaginator(entries, 60, orphans=10)
    pages = [list(paginator.page(number).object_list) for number in paginator.page_range]
    assert [len(page) for page in pages] == [60, 60, 60, 70]
    assert [row for page in pages for row in page] == list(entries)


@pytest.mark.django_db
def test_the_last_page_is_read_backwards_along_the_ordering(strands, council_a):
    add_entries(strands["experts"], council_a, {"2013/14": 250})
    paginator = EstimatedCountPaginator(SavingsEntry.objects.order_by("financial_year", "pk"), 100)
    with CaptureQueriesContext(connection) as queries:
        list(paginator.page(3).object_list)
    page_query = queries.captured_queries[-1]["sql"]
    assert "DESC" in page_query
    assert "OFFSET" not in page_query.upper()


@pytest.mark.django_db
def test_the_year_filter_lists_the_years_that_have_entries(officer_client, strands, council_a):
    add_entries(strands["experts"], council_a, {"2015/16": 2, "2013/14": 1, "2010/11": 1})
    assert distinct_values(SavingsEntry, "financial_year") == ["2010/11", "2013/14", "2015/16"]
    with CaptureQueriesContext(connection) as queries:
        response = officer_client.get(reverse("admin:savings_savingsentry_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    for year in ("2010%2F11", "2013%2F14", "2015%2F16"):
        assert f"?financial_year={year}" in html
    assert "?financial_year=2014%2F15" not in html
    assert not any("DISTINCT" in query["sql"].upper() for query in queries.captured_queries)


@pytest.mark.django_db
def test_the_savings_list_works_filtered_searched_and_on_its_last_page(
    officer_client, strands, council_a, council_b
):
    add_entries(strands["experts"], council_a, {"2013/14": 150})
    add_entries(strands["asce"], council_b, {"2014/15": 60})
    url = reverse("admin:savings_savingsentry_changelist")
    last = officer_client.get(url, {"p": 3})
    assert last.status_code == 200
    assert "210 savings entries" in last.content.decode()
    assert "Wyre Forest" in last.content.decode()
    one_year = officer_client.get(url, {"financial_year": "2014/15"})
    assert one_year.status_code == 200
    assert "60 savings entries" in one_year.content.decode()
    searched = officer_client.get(url, {"q": "Allerdale"})
    assert searched.status_code == 200
    assert "150 results" in searched.content.decode()
    filtered = officer_client.get(
        url, {"financial_year": "2013/14", "kind__exact": "projected", "verification": "awaiting"}
    )
    assert filtered.status_code == 200
    assert "0 savings entries" in filtered.content.decode()


@pytest.mark.django_db
def test_the_investment_list_works_filtered_and_on_its_last_page(
    officer_client, strands, council_a
):
    Investment.objects.bulk_create(
        Investment(
            strand=strands["experts"],
            council=council_a,
            financial_year="2013/14" if number % 2 else "2016/17",
            source=InvestmentSource.LGA_GRANT,
            amount=Decimal(number),
        )
        for number in range(120)
    )
    url = reverse("admin:savings_investment_changelist")
    last = officer_client.get(url, {"p": 2})
    assert last.status_code == 200
    assert "120 investments" in last.content.decode()
    one_year = officer_client.get(url, {"financial_year": "2016/17", "source__exact": "lga_grant"})
    assert one_year.status_code == 200
    assert "60 investments" in one_year.content.decode()
    assert "?financial_year=2016%2F17" in one_year.content.decode()


@postgres_only
@pytest.mark.django_db
def test_an_estimated_count_says_about(officer_client, strands, council_a, monkeypatch):
    add_entries(strands["experts"], council_a, {"2013/14": 1200})
    analyze()
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1000)
    response = officer_client.get(reverse("admin:savings_savingsentry_changelist"))
    assert response.status_code == 200
    assert "about 1," in response.content.decode()


@pytest.mark.django_db
def test_the_admin_list_indexes_have_their_migration():
    call_command("makemigrations", "savings", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_each_rows_checkbox_is_the_html_django_renders(strands, council_a):
    from django.contrib import admin as django_admin
    from django.contrib.admin.sites import site

    add_entries(strands["experts"], council_a, {"2013/14": 1})
    entry = SavingsEntry.objects.get()
    entry.amount = Decimal("1000.5")
    council_a.name = council_a.short_name = 'St Helen\'s & "Bold" <b>'
    entry.council = council_a
    assert "&" in str(entry)
    big_list = site._registry[SavingsEntry]
    assert big_list.action_checkbox(entry) == django_admin.ModelAdmin.action_checkbox(
        big_list, entry
    )


def searched(officer_client, term: str) -> str:
    response = officer_client.get(reverse("admin:savings_savingsentry_changelist"), {"q": term})
    assert response.status_code == 200
    return response.content.decode()


def link_to_bid(entries, bid, officer) -> None:
    """An officer names each fact's bid in the admin (the savings services)."""
    for entry in entries:
        services.savings_entry_update(entry=entry, actor=officer, application=bid)


@pytest.mark.django_db
def test_search_finds_each_word_in_a_council_a_bid_or_the_evidence(
    officer_client, officer, strands, council_a, council_b
):
    from tests.factories import ApplicationFactory

    add_entries(strands["experts"], council_a, {"2013/14": 3})
    add_entries(strands["experts"], council_b, {"2013/14": 2})
    bid = ApplicationFactory(lead_council=council_b)
    link_to_bid(SavingsEntry.objects.filter(council=council_b), bid, officer)
    first = SavingsEntry.objects.filter(council=council_a).order_by("pk")[:1]
    SavingsEntry.objects.filter(pk__in=first).update(
        evidence="Shared back office with the County, see the audit letter"
    )

    assert "3 results" in searched(officer_client, "allerdale")
    assert "2 results" in searched(officer_client, bid.reference.lower())
    assert "1 result" in searched(officer_client, "AUDIT letter")
    # Every word must match somewhere: a council and its evidence.
    assert "1 result" in searched(officer_client, "Allerdale back office")
    assert "0 results" in searched(officer_client, "Wyre back office")
    assert "0 results" in searched(officer_client, '"office audit"')
    assert "5 results" in searched(officer_client, "council")
    assert "5 savings entries" in searched(officer_client, "  ")  # no word: every row


@pytest.mark.django_db
def test_a_word_matching_many_councils_finds_the_same_rows_as_one_matching_few(
    officer_client, officer, strands, council_a, council_b, monkeypatch
):
    """Past SEARCH_KEYS_LISTED matching councils the word is compared by a
    subquery, not a list of keys (issue 26): the same rows either way."""
    from programmes import admin_tools
    from tests.factories import ApplicationFactory

    add_entries(strands["experts"], council_a, {"2013/14": 3})
    add_entries(strands["experts"], council_b, {"2013/14": 2})
    bids = ApplicationFactory.create_batch(3, lead_council=council_b)
    entries = list(SavingsEntry.objects.filter(council=council_b).order_by("pk"))
    for entry, bid in zip(entries, bids, strict=False):
        link_to_bid([entry], bid, officer)
    prefix = bids[0].reference.split("-")[0]
    words = (prefix, "allerdale", "council")

    def rows(word: str) -> list[str]:
        return re.findall(r'name="_selected_action" value="(\d+)"', searched(officer_client, word))

    listed = [rows(word) for word in words]
    monkeypatch.setattr(admin_tools, "SEARCH_KEYS_LISTED", 1)
    assert [rows(word) for word in words] == listed
    assert [len(found) for found in listed] == [2, 3, 5]


@postgres_only
@pytest.mark.django_db
def test_many_matching_councils_are_looked_up_in_an_index_not_a_list(
    strands, council_a, council_b, monkeypatch
):
    """A word matching more councils than are listed reads the facts' council
    index with the keys from one subquery (= ANY(ARRAY(...))), never a list
    of every matching key for the planner to read."""
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from programmes import admin_tools

    monkeypatch.setattr(admin_tools, "SEARCH_KEYS_LISTED", 1)
    add_entries(strands["experts"], council_a, {"2013/14": 3})
    request = RequestFactory().get("/")
    model_admin = site._registry[SavingsEntry]
    found, _ = model_admin.get_search_results(request, model_admin.get_queryset(request), "e")
    sql = str(found.order_by().query)
    assert "= ANY(ARRAY(SELECT" in sql
    assert str(council_a.pk) not in sql.split("ANY(ARRAY(", 1)[1].split(")", 1)[0]


@pytest.mark.django_db
def test_a_fact_is_found_by_the_reference_of_the_bid_it_has_now(
    officer_client, officer, strands, council_a
):
    """The search looks a bid's reference up in the fact's copy of it, which
    the services keep as an officer records a fact, moves it to another bid
    or takes its bid away: what an officer finds follows the fact's bid."""
    from tests.factories import ApplicationFactory

    first, second = ApplicationFactory.create_batch(2, lead_council=council_a)
    entry = services.savings_entry_record(
        strand=strands["experts"],
        council=council_a,
        application=first,
        financial_year="2013/14",
        kind=SavingsKind.PROJECTED,
        amount=Decimal("100"),
        actor=officer,
    )
    assert "1 result" in searched(officer_client, first.reference)
    assert "0 results" in searched(officer_client, second.reference)

    services.savings_entry_update(entry=entry, actor=officer, application=second)
    assert "0 results" in searched(officer_client, first.reference)
    assert "1 result" in searched(officer_client, second.reference)

    services.savings_entry_update(entry=entry, actor=officer, application=None)
    assert "0 results" in searched(officer_client, second.reference)

    url = reverse("admin:savings_investment_changelist")
    investment = services.investment_record(
        strand=strands["experts"],
        council=council_a,
        application=first,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2013/14",
        amount=Decimal("500"),
        actor=officer,
    )
    assert "1 result" in officer_client.get(url, {"q": first.reference}).content.decode()
    services.investment_update(investment=investment, actor=officer, application=second)
    assert "0 results" in officer_client.get(url, {"q": first.reference}).content.decode()
    assert "1 result" in officer_client.get(url, {"q": second.reference}).content.decode()


@pytest.mark.django_db
def test_the_search_reads_no_bids(officer_client, officer, strands, council_a):
    """A word is looked up in the facts' own columns and the councils, not in
    every bid (issue 26: a word in every bid's reference cost a probe per bid)."""
    from tests.factories import ApplicationFactory

    add_entries(strands["experts"], council_a, {"2013/14": 2})
    bid = ApplicationFactory(lead_council=council_a)
    link_to_bid(SavingsEntry.objects.all(), bid, officer)
    with CaptureQueriesContext(connection) as queries:
        page = searched(officer_client, bid.reference)
    assert "2 results" in page
    searches = [q["sql"] for q in queries.captured_queries if "LIKE" in q["sql"].upper()]
    assert searches
    assert not any("applications_application" in sql for sql in searches)


@postgres_only
@pytest.mark.django_db
def test_the_admin_search_can_use_the_trigram_indexes(strands, council_a):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    add_entries(strands["experts"], council_a, {"2013/14": 3})
    request = RequestFactory().get("/")
    for model, indexes in (
        (SavingsEntry, ["savings_evidence_trgm", "savings_bid_reference_trgm"]),
        (Investment, ["investment_description_trgm", "investment_bid_reference_trgm"]),
    ):
        model_admin = site._registry[model]
        found, _ = model_admin.get_search_results(
            request, model_admin.get_queryset(request), "back office"
        )
        # The search's own plan: without the list's ORDER BY, which on a table
        # this small the planner may serve by walking an ordering index and
        # filtering (a cost tie that went either way from run to run in CI).
        sql, params = found.order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert all(index in plan for index in indexes), plan
        # Councils and bids are looked up in their own tables, not joined.
        assert "JOIN" not in sql.upper()


@pytest.mark.django_db
def test_an_estimate_far_above_the_rows_a_list_has_is_not_shown(strands, council_a, monkeypatch):
    from programmes import admin_tools

    add_entries(strands["experts"], council_a, {"2013/14": 30})
    monkeypatch.setattr(admin_tools, "estimated_count", lambda rows: 42_000)
    paginator = EstimatedCountPaginator(SavingsEntry.objects.order_by("pk"), 10)
    paginator.exact_below = 100
    assert paginator.count == 30
    assert not paginator.estimated
    assert paginator.num_pages == 3


@pytest.mark.django_db
def test_each_page_reads_its_keys_first_then_its_rows(strands, council_a):
    add_entries(strands["experts"], council_a, {"2014/15": 130, "2013/14": 120})
    entries = SavingsEntry.objects.select_related("council").order_by("financial_year", "pk")
    paginator = EstimatedCountPaginator(entries, 20)
    with CaptureQueriesContext(connection) as queries:
        pages = [list(paginator.page(number).object_list) for number in paginator.page_range]
    assert [row for page in pages for row in page] == list(entries)
    reads = [q["sql"].upper() for q in queries.captured_queries if "JOIN" in q["sql"].upper()]
    assert len(reads) == len(pages)
    for sql in reads:
        # The council is joined for the page's rows only, not to find them.
        assert "JOIN" not in sql.split("IN (SELECT", 1)[1]


@pytest.mark.django_db
def test_each_rows_link_is_its_change_page_as_django_makes_it(officer, strands, council_a):
    """BigListChangeList reverses the change page once a request (issue 26):
    the same address as Django's own ChangeList for each row, keys quoted."""
    from django.contrib import admin
    from django.contrib.admin.views.main import ChangeList
    from django.test import RequestFactory

    add_entries(strands["experts"], council_a, {"2014/15": 3})
    request = RequestFactory().get(reverse("admin:savings_savingsentry_changelist"))
    request.user = officer
    model_admin = admin.site._registry[SavingsEntry]
    changelist = model_admin.get_changelist_instance(request)
    rows = list(SavingsEntry.objects.all())
    for row in rows:
        assert changelist.url_for_result(row) == ChangeList.url_for_result(changelist, row)
    assert changelist.url_for_result(rows[0]).endswith(f"/{rows[0].pk}/change/")
    # A key the admin must quote (a text key: "a/b c" becomes a_2Fb c, then %20).
    odd = SavingsEntry(pk=1)
    changelist.pk_attname = "evidence"
    odd.evidence = "a/b c_1?"
    assert changelist.url_for_result(odd) == ChangeList.url_for_result(changelist, odd)


@pytest.mark.django_db
def test_facts_recorded_before_the_copy_are_found_by_their_bids_reference(
    officer_client, strands, council_a
):
    """Migration savings 0013 copies each existing fact's bid reference."""
    from importlib import import_module

    from django.apps import apps

    from tests.factories import ApplicationFactory

    migration = import_module("savings.migrations.0013_bid_reference_search")
    bid = ApplicationFactory(lead_council=council_a)
    add_entries(strands["experts"], council_a, {"2013/14": 3})
    SavingsEntry.objects.filter(amount__lt=2).update(application=bid)  # as stored before
    assert "0 results" in searched(officer_client, bid.reference)

    migration.copy_references(apps, None)
    assert "2 results" in searched(officer_client, bid.reference)


@pytest.mark.django_db
def test_a_filtered_lists_row_links_keep_its_filters_as_django_adds_them(
    officer, strands, council_a, monkeypatch
):
    """BigListChangeList adds the list's filters to each row's link itself,
    once, instead of Django resolving every row's link (issue 26): the same
    cells, links included, as Django's own ChangeList renders."""
    from django.contrib import admin
    from django.contrib.admin.templatetags.admin_list import items_for_result
    from django.contrib.admin.views.main import ChangeList
    from django.test import RequestFactory
    from django.urls import resolve

    add_entries(strands["experts"], council_a, {"2014/15": 3})
    request = RequestFactory().get(
        reverse("admin:savings_savingsentry_changelist"), {"kind__exact": "projected"}
    )
    request.user = officer
    request.resolver_match = resolve(request.path)  # the list's filters are kept on its own page
    model_admin = admin.site._registry[SavingsEntry]
    ours = model_admin.get_changelist_instance(request)
    monkeypatch.setattr(model_admin, "get_changelist", lambda request, **kwargs: ChangeList)
    django = model_admin.get_changelist_instance(request)
    rows = list(ours.result_list)
    assert rows
    for row in rows:
        assert list(items_for_result(ours, row, None)) == list(items_for_result(django, row, None))
    cells = "".join(items_for_result(ours, rows[0], None))
    assert f"/{rows[0].pk}/change/?_changelist_filters=kind__exact%3Dprojected" in cells
