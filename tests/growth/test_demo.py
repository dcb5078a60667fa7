"""The demo's panel (one fictional adviser per source type) and a matched award with
days, loaded once however often `load_demo` runs. One test: each load takes seconds."""

from datetime import date
from decimal import Decimal

from django.core.management import call_command

from programmes.growth.models import (
    Adviser,
    AdviserCosting,
    AdviserDay,
    AdviserMatch,
    AdviserSource,
)
from programmes.growth.selectors import adviser_days_for
from programmes.payments.models import ClaimState


def snapshot() -> dict:
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Adviser, AdviserMatch, AdviserDay, AdviserCosting)
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
    # Leeds' days costed to its adviser's organisation, at £500 a day, in 2013/14:
    # September and October's paid, November's waiting for LGA finance.
    costings = [
        (
            c.days,
            c.claim.amount,
            c.claim.payee,
            c.claim.state,
            c.claim.paid_on,
            c.claim.commitment.financial_year,
        )
        for c in AdviserCosting.objects.select_related("claim__commitment").order_by("costed_at")
    ]
    assert costings == [
        (
            Decimal("3.5"),
            Decimal("1750.00"),
            "Example Business Forum (fictional)",
            ClaimState.PAID,
            date(2013, 11, 22),
            "2013/14",
        ),
        (
            Decimal("2.5"),
            Decimal("1250.00"),
            "Example Business Forum (fictional)",
            ClaimState.APPROVED,
            None,
            "2013/14",
        ),
    ]
