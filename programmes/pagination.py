"""Lists that grow with the data, a page at a time (GOV.UK pagination pattern).

`paginate(request, queryset)` reads `?page=` and returns a `Pagination` that
`templates/gds/_pagination.html` draws as the GOV.UK Frontend component:
previous and next links, page numbers with ellipses, "Page N" labels and
`aria-current` on the page shown.

Bad page values never give an error page: anything but ASCII digits (`abc`,
`1.5`, ` 2`, `-1`, other scripts' digits) gives the first page, `0` the first
page and a number past the end (`99999`) the last page, the same way on every
list. A bookmarked page that no longer exists because bids were withdrawn
still lands on the list, and nobody learns anything from the status code.

A page costs two queries whatever the list's length: a COUNT and the slice
(or what the caller's list object does instead, e.g. a count kept in the cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 25
PAGE_PARAMETER = "page"


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: an ellipsis
    url: str = ""
    current: bool = False


@dataclass(frozen=True)
class Pagination:
    page: Page
    links: list[PageLink]
    previous_url: str
    next_url: str

    @property
    def object_list(self) -> Any:
        return self.page.object_list

    @property
    def is_paginated(self) -> bool:
        return self.page.paginator.num_pages > 1

    @property
    def title_suffix(self) -> str:
        """For the page's <title>: GOV.UK asks that each page of a list says which it is."""
        if not self.is_paginated:
            return ""
        return f" (page {self.page.number} of {self.page.paginator.num_pages})"


def page_number(raw: str | None, num_pages: int) -> int:
    """The page to show for a raw `?page=` value (module docstring: the rules)."""
    # ASCII digits only: int() would also take " 1", "1_0" and other scripts' digits.
    if raw is None or not raw.isascii() or not raw.isdigit():
        return 1
    if len(raw) > 9:  # past any last page; and no huge int() to parse
        return num_pages
    return min(max(int(raw), 1), num_pages)


def _url(request: HttpRequest, number: int, fragment: str) -> str:
    query = request.GET.copy()
    query[PAGE_PARAMETER] = str(number)
    return f"?{query.urlencode()}" + (f"#{fragment}" if fragment else "")


def paginate(
    request: HttpRequest, items: QuerySet | Any, *, per_page: int = PER_PAGE, fragment: str = ""
) -> Pagination:
    """A page of `items` (ordered) from `?page=`; `fragment` is the id of the
    list's heading when the list is not the top of the page, so that the
    links land on it. `items` is a queryset, or an object with `count()`
    that reads a page when sliced (programmes.board.selectors.CouncilBidPages)."""
    paginator = Paginator(items, per_page)
    number = page_number(request.GET.get(PAGE_PARAMETER), paginator.num_pages)
    page = paginator.page(number)
    links = [
        PageLink(None)
        if item == Paginator.ELLIPSIS
        else PageLink(int(item), _url(request, int(item), fragment), int(item) == number)
        for item in paginator.get_elided_page_range(number, on_each_side=1, on_ends=1)
    ]
    return Pagination(
        page=page,
        links=links,
        previous_url=_url(request, number - 1, fragment) if page.has_previous() else "",
        next_url=_url(request, number + 1, fragment) if page.has_next() else "",
    )
