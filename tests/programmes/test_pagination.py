"""The page a `?page=` value gives, on every paginated list (programmes.pagination)."""

import pytest
from django.test import RequestFactory

from programmes.models import Council
from programmes.pagination import page_number, paginate
from tests.factories import CouncilFactory


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        ("", 1),
        ("1", 1),
        ("3", 3),
        ("007", 7),
        ("0", 1),
        ("-1", 1),
        ("abc", 1),
        ("1.5", 1),
        (" 2", 1),
        ("1_0", 1),
        ("٣", 1),  # an Arabic-Indic three: a digit to int(), not to us
        ("99999", 10),
        ("9" * 400, 10),  # no giant int() parsed: past the end
    ],
)
def test_a_page_value_gives_the_first_page_unless_it_is_a_number(raw, expected):
    assert page_number(raw, 10) == expected


def _page(raw: str, count: int, per_page: int = 2):
    CouncilFactory.create_batch(count)
    request = RequestFactory().get("/list/", {"page": raw, "sort": "name"})
    return paginate(request, Council.objects.order_by("pk"), per_page=per_page)


def test_links_keep_the_other_parameters_and_elide_far_pages(db):
    pagination = _page("5", count=20)  # 10 pages
    assert [link.number for link in pagination.links] == [1, None, 4, 5, 6, None, 10]
    assert [link.current for link in pagination.links if link.number == 5] == [True]
    assert pagination.previous_url == "?page=4&sort=name"
    assert pagination.next_url == "?page=6&sort=name"
    assert pagination.title_suffix == " (page 5 of 10)"


def test_the_first_page_has_no_previous_link(db):
    first = _page("1", count=5)
    assert first.previous_url == "" and first.next_url.startswith("?page=2")


def test_a_page_past_the_end_is_the_last_page_with_no_next_link(db):
    last = _page("99999", count=5)
    assert last.page.number == 3 and last.next_url == ""
    assert [council.pk for council in last.object_list] == [
        Council.objects.order_by("pk").last().pk
    ]


def test_a_list_on_one_page_draws_no_pagination(db):
    single = _page("2", count=2)
    assert single.page.number == 1 and not single.is_paginated and single.title_suffix == ""


def test_a_fragment_brings_the_reader_back_to_the_list(db):
    CouncilFactory.create_batch(3)
    request = RequestFactory().get("/board/councils/1/")
    pagination = paginate(request, Council.objects.order_by("pk"), per_page=2, fragment="bids")
    assert pagination.next_url == "?page=2#bids"
