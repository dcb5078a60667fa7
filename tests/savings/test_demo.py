"""The savings part of `load_demo`: OPE pilots' investment, entered through services."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from programmes.asce.models import AsceProjection, AsceReturn
from savings.models import Investment, SavingsEntry
from savings.selectors import rollup_for

TABLES = (Investment, SavingsEntry, AsceReturn, AsceProjection)


def snapshot() -> dict:
    return {
        model.__name__: sorted(
            model.objects.values_list(
                *[
                    f.attname
                    for f in model._meta.concrete_fields
                    if f.name not in {"created_at", "updated_at"}
                ]
            )
        )
        for model in TABLES
    }


@pytest.fixture
def demo(demo, settings):
    settings.DEBUG = True  # for the tests that load it again


def test_the_12_ope_pilots_each_get_about_23000(demo):
    from programmes.models import Strand

    ope = rollup_for(strand=Strand.objects.get(key="ope"))
    assert ope.council_count == 12
    assert ope.investment == Decimal("276000")
    assert ope.investment_count == 12


def test_a_second_demo_load_adds_no_savings_rows(demo):
    before = snapshot()
    call_command("load_demo")
    assert snapshot() == before
