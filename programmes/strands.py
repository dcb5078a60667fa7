"""The strand registry: each strand is one app that declares itself.

A strand app (`programmes/<strand>/`) has a `strand.py` whose `STRAND` is a
`StrandSpec`: real objects, not dotted strings, for everything the rest of
the portal needs from the strand (its bid questions and criteria, its award
page, its board block and status, its board paper section, its statistics
hook for the rollup drain). Its demo data is its `demo.py`, found the same
way by `load_demo`. The registry finds every installed app with a `strand`
module, so adding a strand is adding its folder and its line in
INSTALLED_APPS; `applications`, `savings`, the board, the paper, the roles
and the demo loop over `strands()` and never name one (docs/strands.md).

The registry is read after the app registry is ready (the specs import their
app's models); a Django system check (programmes/checks.py) refuses to start
when a declaration is incomplete.

Strands and their facts come from the 2013 board paper ("Productivity
Programme Update", Item 8): One Public Estate (paras 2-5), Productivity
Experts (6-9), Adult Social Care Efficiency (10-14), Local Economic Growth
Advisers (15-18) and the National Procurement Strategy (19-28).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import module_has_submodule

if TYPE_CHECKING:
    from django import forms
    from django.db import models

    from programmes.models import Strand

# The module each strand app declares itself in, and the name it binds.
SPEC_MODULE = "strand"
SPEC_NAME = "STRAND"


@dataclass(frozen=True)
class PaperSection:
    """The strand's section of the board paper: a heading, and paragraphs
    written from live figures (`paragraphs(strand, as_at)`)."""

    heading: str
    paragraphs: Callable[[Strand, date], list[str]]
    # The paper names councils from the strand's savings (furthest above and
    # below target, largest savings: programmes.board.paper.named_examples)
    # unless the strand's own paragraphs name them (Experts: its case studies).
    named_examples: bool = True


@dataclass(frozen=True)
class BoardBlock:
    """The strand's own part of the board pages.

    `fill(page)` adds the strand's figures to its board page (a
    `programmes.board.selectors.StrandPage`): status rows in `page.status`,
    tables (each downloadable as CSV) in `page.tables`, anything else the
    template reads in `page.extra`, with a fixed number of queries. `template`
    renders them, included by board/strand.html with `data` (the page) and
    `charts` (an SVG per key of `charts` below).
    `charts` maps a key of `page.tables` to a chart title: drawn as a bar
    chart of percentages, beside the same table as its text alternative.
    `council_fill(council, as_at=None)` returns the council's own records in
    the strand (those it had by the end of `as_at`, if given; empty: none),
    shown by `council_template` on the council's board page (as `records`),
    and making the strand one the council takes part in.
    `councils` and `activity` make the strand's figures the same on every page
    (programmes.board.selectors.StrandFigures).
    """

    fill: Callable[[Any], None]
    template: str = ""
    charts: tuple[tuple[str, str], ...] = ()
    council_fill: Callable[..., list] | None = None
    council_template: str = ""
    # `councils(as_at=None)`: how many councils take part (by the end of
    # `as_at`, if given), when the strand's records (not its savings facts)
    # say so, e.g. ASCE's returns (one query).
    councils: Callable[..., int] | None = None
    # `activity(strand, as_at=None)`: the strand's awards (a `StrandActivity`)
    # when they are not approved bids, e.g. OPE's pilots with resource (one query).
    activity: Callable[..., Any] | None = None
    # `served(as_at=None)`: the councils the strand's records say it serves
    # (by the end of `as_at`, if given), each with its role in words, e.g.
    # procurement's workstream leads ("Leads Energy"), listed in the strand's
    # council table beside those its awards serve (one query).
    served: Callable[..., list[tuple[Any, str]]] | None = None


@dataclass(frozen=True)
class PublicBlock:
    """What the strand publishes on the public page (programmes.public), which
    reaches the strand only through the registry, as the board does.

    `items()` lists what the public may read (published only), rendered by
    `template` (given `items`) under `heading`, whose anchor on the page and
    path for one item is `path`. `item(slug=...)` returns one published item
    or raises Http404, shown by `item_template` (given `item`) at
    `<public page>/<path>/<slug>/`.
    """

    heading: str
    path: str
    items: Callable[[], Any]
    template: str
    item: Callable[..., Any]
    item_template: str


@dataclass(frozen=True)
class StrandSpec:
    key: str
    name: str
    short_name: str
    # Bid references start with this, e.g. PE-2013-0042 (read out on the phone).
    reference_prefix: str
    summary: str
    paper: PaperSection
    # Councils bid for support through calls; ASCE and procurement are not bid-based.
    bid_based: bool = False
    # Place among the strands on the board, the paper and the menus.
    order: int = 100
    # For bid-based strands: the one-to-one model in the strand app that holds
    # the strand's own answers (None: the generic questions only), the forms
    # for its question pages (one topic per page, in order), the criteria
    # officers score 1-5, and where an award's investment comes from (a
    # savings.models.InvestmentSource).
    bid_detail_model: type[models.Model] | None = None
    bid_detail_forms: tuple[type[forms.BaseForm], ...] = ()
    assessment_criteria: tuple[tuple[str, str], ...] = ()
    investment_source: str = ""
    # Who the question pages call the partner councils, or "" for a strand
    # whose bids are from one council only.
    partner_councils_label: str = "Other councils this bid serves"
    # The URL name of the strand's own page about an award (taking the bid's
    # reference), linked from the council's bid page once approved; "" if none.
    award_page: str = ""
    # `item(user) -> (label, url) | None`: a link in a council applicant's
    # navigation to the strand's own page for their council.
    council_nav: Callable[[Any], tuple[str, str] | None] | None = None
    board: BoardBlock | None = None
    public: PublicBlock | None = None
    # `hook(years)` run by the rollup drain when the strand's scopes of those
    # financial years (None: all) are recomputed, e.g. ASCE's mean and mode.
    statistics: Callable[[set[str] | None], None] | None = None
    # The Django app label that owns the strand (set by the registry).
    app_label: str = ""


def _declared(app_config) -> StrandSpec | None:
    if not module_has_submodule(app_config.module, SPEC_MODULE):
        return None
    module = import_module(f"{app_config.name}.{SPEC_MODULE}")
    spec = getattr(module, SPEC_NAME, None)
    if spec is None:
        return None
    if not isinstance(spec, StrandSpec):
        raise TypeError(f"{app_config.name}.{SPEC_MODULE}.{SPEC_NAME} is not a StrandSpec")
    return StrandSpec(**{**spec.__dict__, "app_label": app_config.label})


@cache
def _registry() -> dict[str, StrandSpec]:
    apps.check_apps_ready()
    found = [spec for config in apps.get_app_configs() if (spec := _declared(config))]
    found.sort(key=lambda spec: (spec.order, spec.name))
    return {spec.key: spec for spec in found}


@receiver(setting_changed)
def _installed_apps_changed(*, setting: str, **kwargs) -> None:
    # Tests install a strand app for a while (tests/sixth_strand).
    if setting == "INSTALLED_APPS":
        _registry.cache_clear()


def strands() -> dict[str, StrandSpec]:
    """Every installed strand by key, in display order."""
    return _registry()


def strand_choices() -> list[tuple[str, str]]:
    return [(spec.key, spec.name) for spec in strands().values()]


def get_strand(key: str) -> StrandSpec:
    registry = strands()
    try:
        return registry[key]
    except KeyError:
        raise LookupError(f"No strand {key!r}; known strands: {', '.join(registry)}") from None
