"""The demo's panel (one fictional adviser per source type) and a matched award with
days, loaded once however often `load_demo` runs. One test: each load takes seconds."""

from decimal import Decimal

from django.core.management import call_command

from programmes.growth.models import Adviser, AdviserDay, AdviserMatch, AdviserSource
from programmes.growth.selectors import adviser_days_for


def snapshot() -> dict:
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Adviser, AdviserMatch, AdviserDay)
    }


def test_the_demo_panel_and_leeds_award_load_once(demo, settings):
    settings.DEBUG = True
    before = snapshot()
    call_command("load_demo")
    assert snapshot() == before
    # Para 15.1: every source type on the panel.
    assert set(Adviser.objects.values_list("source", flat=True)) == set(AdviserSource.values)
    match = AdviserMatch.objects.select_related("application", "adviser").get(
        application__lead_council__short_name="Leeds"
    )
    support = adviser_days_for(application=match.application)
    assert (support.awarded, support.used, support.left) == (12, Decimal(6), Decimal(6))
    assert match.adviser.name == "Alex Dummy"
    assert match.application.lead_council.users.filter(username="demo-leeds").exists()
