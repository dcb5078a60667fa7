"""The demo programme, loaded once through the real rollup path."""

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db, settings, django_capture_on_commit_callbacks):
    # load_demo refuses to run with DEBUG off; the rollups are drained by the
    # on-commit callbacks the services queue, as in production.
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    settings.DEBUG = False
