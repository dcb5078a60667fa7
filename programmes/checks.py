"""`manage.py check` (and every start-up) refuses an incomplete strand.

A strand declares itself in `<app>/strand.py` (programmes/strands.py); a
mistake there would otherwise reach a user as a 500 on the first page that
reads it. Each error names the app, the strand and what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import module_has_submodule

from programmes.strands import SPEC_MODULE, SPEC_NAME, BoardBlock, PaperSection, StrandSpec

KEY_MAX_LENGTH = 20


def _problems(spec: StrandSpec) -> list[tuple[str, str]]:
    """(what is wrong, id suffix) for one declaration."""
    problems = []
    for name in ("key", "name", "short_name", "reference_prefix", "summary"):
        if not getattr(spec, name):
            problems.append((f"has no {name}", "E002"))
    if len(spec.key) > KEY_MAX_LENGTH or not spec.key.replace("_", "").isalnum():
        problems.append(
            (f"key {spec.key!r} must be letters, digits or _ and at most 20 long", "E003")
        )
    if not isinstance(spec.paper, PaperSection) or not spec.paper.heading:
        problems.append(("has no board paper section (paper=PaperSection(...))", "E004"))
    elif not callable(spec.paper.paragraphs):
        problems.append(("paper.paragraphs is not callable", "E004"))
    # A bid-based strand's questions and award are checked by the layer that
    # knows bids (applications.checks).
    if not spec.bid_based and (
        spec.bid_detail_forms or spec.assessment_criteria or spec.award_page
    ):
        problems.append(("is not bid-based but declares bid questions or an award page", "E005"))
    if spec.award_page:
        try:
            reverse(spec.award_page, args=[f"{spec.reference_prefix}-2013-0001"])
        except NoReverseMatch:
            problems.append((f"award_page {spec.award_page!r} is not a URL name", "E006"))
    for name in ("council_nav", "statistics"):
        value = getattr(spec, name)
        if value is not None and not callable(value):
            problems.append((f"{name} is not callable", "E007"))
    if spec.board is not None:
        problems += _board_problems(spec.board)
    return problems


def _board_problems(board: BoardBlock) -> list[tuple[str, str]]:
    if not isinstance(board, BoardBlock):
        return [("board is not a BoardBlock", "E020")]
    problems = []
    if not callable(board.fill):
        problems.append(("board.fill is not callable", "E020"))
    if board.council_fill is not None and not callable(board.council_fill):
        problems.append(("board.council_fill is not callable", "E020"))
    for name in ("template", "council_template"):
        template = getattr(board, name)
        if template:
            try:
                get_template(template)
            except TemplateDoesNotExist:
                problems.append((f"board.{name} {template!r} does not exist", "E021"))
    if board.charts and not board.template:
        problems.append(("board.charts needs a board.template to show them", "E022"))
    return problems


def declarations() -> Iterator[tuple[str, str, object]]:
    """(app name, module, declaration) for every installed app with a strand.py."""
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, SPEC_MODULE):
            continue
        where = f"{config.name}.{SPEC_MODULE}"
        spec = getattr(import_module(where), SPEC_NAME, None)
        if spec is not None:
            yield config.name, where, spec


def declaration_errors(problems: Callable[[StrandSpec], list[tuple[str, str]]]) -> list[Error]:
    """An error for each problem found in a valid declaration: the core's own
    checks here, and the checks of the layers above that know more of a strand
    (applications.checks)."""
    return [
        Error(
            f"Strand {spec.key or '?'!r} ({where}) {problem}",
            hint="See docs/strands.md, 'How to add a strand'",
            obj=app,
            id=f"strands.{code}",
        )
        for app, where, spec in declarations()
        if isinstance(spec, StrandSpec)
        for problem, code in problems(spec)
    ]


@register(Tags.models)
def strands_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    seen: dict[str, dict[str, str]] = {"key": {}, "reference_prefix": {}}
    for app, where, spec in declarations():
        if not isinstance(spec, StrandSpec):
            errors.append(
                Error(
                    f"{where}.{SPEC_NAME} is not a StrandSpec",
                    hint="Declare STRAND = StrandSpec(...) (docs/strands.md)",
                    obj=app,
                    id="strands.E001",
                )
            )
            continue
        for field in seen:
            value = getattr(spec, field)
            if value in seen[field]:
                errors.append(
                    Error(
                        f"Strand {spec.key!r} ({where}) has the same {field} {value!r} "
                        f"as {seen[field][value]}",
                        obj=app,
                        id="strands.E030",
                    )
                )
            seen[field][value] = where
    return declaration_errors(_problems) + errors


@register(Tags.caches, deploy=True)
def shared_cache_check(app_configs=None, **kwargs) -> list[Warning]:
    """A live service keeps throttle counts (django-ratelimit) in a shared
    cache: in each process's memory, every web process would count alone."""
    if settings.DEBUG or settings.CACHE_URL:
        return []
    return [
        Warning(
            "The cache is each process's own memory, so password-reset throttle counts "
            "are not shared between web processes",
            hint="Set DJANGO_CACHE_URL to a Redis URL (docs/security.md)",
            id="programmes.W001",
        )
    ]
