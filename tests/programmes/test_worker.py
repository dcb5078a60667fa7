"""A task travels through Redis to a live Celery worker and its answer comes back."""

import pytest
from django.db import connection

from programmes.tasks import worker_health
from tests.factories import CouncilFactory


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_reaches_the_worker_and_its_result_comes_back(celery_worker):
    # Rows committed here are read by the worker thread through its own
    # connection, so the answer proves broker, worker and database agree.
    CouncilFactory.create_batch(3)
    result = worker_health.delay().get(timeout=20)
    assert result == {"database": connection.vendor, "councils": 3}
