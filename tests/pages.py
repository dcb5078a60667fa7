"""Checks on a page's HTML that axe's WCAG 2.2 rules leave out: ids must be
unique on a page (a label, an error summary's link or `aria-describedby`
pointing at a repeated id reaches the wrong element; WCAG 2.2 dropped 4.1.1
Parsing, so axe no longer reports plain duplicates)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "label" and found.get("for"):
            self.label_targets.append(str(found["for"]))


def _parsed(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


def duplicate_ids(html: str) -> list[str]:
    """The ids that appear more than once on the page, sorted."""
    return sorted(name for name, count in Counter(_parsed(html).ids).items() if count > 1)


def labels_without_field(html: str) -> list[str]:
    """The `for` of each label whose field is not on the page."""
    parsed = _parsed(html)
    return sorted(set(parsed.label_targets) - set(parsed.ids))
