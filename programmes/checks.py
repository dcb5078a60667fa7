"""`manage.py check` (and every start-up) refuses an incomplete strand.

A strand declares itself in `<app>/strand.py` (programmes/strands.py); a
mistake there would otherwise reach a user as a 500 on the first page that
reads it. Each error names the app, the strand and what is wrong.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import models
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
    if spec.bid_based:
        problems += _bid_problems(spec)
    elif spec.bid_detail_forms or spec.assessment_criteria or spec.award_page:
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


def _bid_problems(spec: StrandSpec) -> list[tuple[str, str]]:
    from applications.forms import SectionForm
    from savings.models import InvestmentSource

    problems = []
    if not spec.assessment_criteria:
        problems.append(("is bid-based but has no assessment_criteria", "E010"))
    if spec.investment_source not in InvestmentSource.values:
        problems.append(
            (
                f"investment_source {spec.investment_source!r} is not one of "
                f"{', '.join(InvestmentSource.values)}",
                "E011",
            )
        )
    model = spec.bid_detail_model
    if model is not None and not (isinstance(model, type) and issubclass(model, models.Model)):
        problems.append(("bid_detail_model is not a model class", "E012"))
    for form in spec.bid_detail_forms:
        if not (isinstance(form, type) and issubclass(form, SectionForm)):
            problems.append((f"bid_detail_forms: {form!r} is not a SectionForm", "E013"))
        elif not getattr(form, "slug", "") or not getattr(form, "title", ""):
            problems.append((f"bid_detail_forms: {form.__name__} has no slug or title", "E013"))
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


@register(Tags.models)
def strands_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    seen: dict[str, dict[str, str]] = {"key": {}, "reference_prefix": {}}
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, SPEC_MODULE):
            continue
        where = f"{config.name}.{SPEC_MODULE}"
        spec = getattr(import_module(where), SPEC_NAME, None)
        if spec is None:
            continue
        if not isinstance(spec, StrandSpec):
            errors.append(
                Error(
                    f"{where}.{SPEC_NAME} is not a StrandSpec",
                    hint="Declare STRAND = StrandSpec(...) (docs/strands.md)",
                    obj=config.name,
                    id="strands.E001",
                )
            )
            continue
        for problem, code in _problems(spec):
            errors.append(
                Error(
                    f"Strand {spec.key or '?'!r} ({where}) {problem}",
                    hint="See docs/strands.md, 'How to add a strand'",
                    obj=config.name,
                    id=f"strands.{code}",
                )
            )
        for field in seen:
            value = getattr(spec, field)
            if value in seen[field]:
                errors.append(
                    Error(
                        f"Strand {spec.key!r} ({where}) has the same {field} {value!r} "
                        f"as {seen[field][value]}",
                        obj=config.name,
                        id="strands.E030",
                    )
                )
            seen[field][value] = where
    return errors


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
