"""The demo's panel (one fictional adviser per source type), a matched award with days."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from programmes.growth.models import Adviser, AdviserDay, AdviserMatch, AdviserSource
from programmes.growth.selectors import adviser_days_for


@pytest.fixture
def demo(settings, db):
    settings.DEBUG = True
    call_command("load_demo")


def snapshot() -> dict:
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Adviser, AdviserMatch, AdviserDay)
    }


def test_the_panel_has_every_source_type_of_para_15_1(demo):
    assert set(Adviser.objects.values_list("source", flat=True)) == set(AdviserSource.values)


def test_the_leeds_award_is_matched_with_six_days_used(demo):
    match = AdviserMatch.objects.select_related("application").get(
        application__lead_council__short_name="Leeds"
    )
    support = adviser_days_for(application=match.application)
    assert (support.awarded, support.used, support.left) == (12, Decimal(6), Decimal(6))
    assert match.adviser.name == "Alex Dummy"


def test_a_second_load_adds_nothing(demo):
    before = snapshot()
    call_command("load_demo")
    assert snapshot() == before
