"""Two officers logging days on one award at once cannot pass the award (PostgreSQL)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from programmes.growth.models import AdviserDay
from programmes.growth.services import adviser_days_log, adviser_match
from programmes.permissions import SYSTEM
from tests.growth.awards import growth_award, panel


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are what is tested: PostgreSQL only"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_logs_cannot_exceed_the_award(growth_call, council_a, applicant_a, officer):
    bid = growth_award(growth_call, council_a, applicant_a, officer, days=10)
    adviser_match(application=bid, adviser=panel()["covers"], actor=officer)
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            start.wait()
            adviser_days_log(
                application=bid, worked_on=date(2013, 10, 1), days=Decimal(3), actor=SYSTEM
            )
            outcomes.append("logged")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 4 x 3 days against 10: three fit, the fourth would make 12.
    assert sorted(outcomes) == ["logged", "logged", "logged", "refused"]
    assert sum(day.days for day in AdviserDay.objects.all()) == Decimal(9)
