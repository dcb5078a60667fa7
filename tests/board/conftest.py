"""The demo programme, loaded once through the real rollup path."""

import pytest
from django.core.management import call_command

from savings import rollups


@pytest.fixture
def demo(db, settings):
    # load_demo refuses to run with DEBUG off. Inside the test's transaction
    # the services' on-commit drain requests never fire (with a broker they
    # would only queue a task no worker here consumes), so the outbox is
    # drained directly: the same recompute the worker runs.
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    rollups.drain()
    settings.DEBUG = False
