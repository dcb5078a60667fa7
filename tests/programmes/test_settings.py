"""Settings come from the environment, strictly, and fail closed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from productivity.env import broker_url, database_from_url, env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-for-the-deploy-check-0123456789",
    "DJANGO_ALLOWED_HOSTS": "productivity.example.org",
    # A live service shares throttle counts between its web processes.
    "DJANGO_CACHE_URL": "redis://127.0.0.1:6379/1",
}


def run_django(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Import the settings afresh in a child process with exactly this environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    clean.pop("DATABASE_URL", None)
    clean["DJANGO_SETTINGS_MODULE"] = "productivity.settings"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_django("import django; django.setup()", {})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_it_starts_without_a_secret_key_in_debug():
    result = run_django(
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        {"DJANGO_DEBUG": "true"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_debug_is_off_unless_set():
    result = run_django(
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        PRODUCTION_ENV,
    )
    assert result.stdout.strip() == "False"


def test_a_malformed_value_stops_start_up_naming_the_variable():
    result = run_django(
        "import django; django.setup()", {**PRODUCTION_ENV, "DJANGO_DEBUG": "maybe"}
    )
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false, not 'maybe'" in result.stderr


def test_deploy_check_passes_with_no_warnings_under_production_settings():
    result = run_django(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    # The one silenced: django-ratelimit does not list Django's own Redis
    # cache, which does increment atomically (productivity/settings.py).
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_deploy_check_warns_when_throttle_counts_are_per_process():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_CACHE_URL"}
    result = run_django(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        env,
    )
    assert result.returncode != 0
    assert "programmes.W001" in result.stderr
    assert "DJANGO_CACHE_URL" in result.stderr


def test_env_bool_rejects_anything_but_a_boolean(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes please")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be true or false"):
        env_bool("X_FLAG", False)
    monkeypatch.setenv("X_FLAG", "False")
    assert env_bool("X_FLAG", True) is False


def test_env_int_names_the_variable(monkeypatch):
    monkeypatch.setenv("DOCUMENT_MAX_BYTES", "10MB")
    with pytest.raises(ImproperlyConfigured, match="DOCUMENT_MAX_BYTES must be a whole number"):
        env_int("DOCUMENT_MAX_BYTES", 1)
    monkeypatch.setenv("DOCUMENT_MAX_BYTES", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("DOCUMENT_MAX_BYTES", 5, minimum=1)


def test_unset_database_url_means_tuned_sqlite(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    database = database_from_url("DATABASE_URL", tmp_path / "db.sqlite3")
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert database["OPTIONS"]["timeout"] > 0


def test_database_url_selects_postgresql(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://portal:s%40cret@db.internal:6543/productivity")
    database = database_from_url("DATABASE_URL", tmp_path / "unused")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == (
        "productivity",
        "portal",
        "s@cret",
    )
    assert (database["HOST"], database["PORT"]) == ("db.internal", "6543")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://localhost/x", "must start with postgres:// or sqlite:///"),
        ("postgres://localhost", "must name a database"),
        ("postgres://localhost:port/db", "port that is not a number"),
    ],
)
def test_it_rejects_a_malformed_database_url(monkeypatch, tmp_path, url, message):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(
        ImproperlyConfigured, match=f"DATABASE_URL .*{message}|DATABASE_URL {message}"
    ):
        database_from_url("DATABASE_URL", tmp_path / "unused")


def test_broker_must_be_redis(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://guest@localhost//")
    with pytest.raises(ImproperlyConfigured, match="CELERY_BROKER_URL must be a redis://"):
        broker_url("CELERY_BROKER_URL")
    monkeypatch.delenv("CELERY_BROKER_URL")
    assert broker_url("CELERY_BROKER_URL") is None


def test_without_a_broker_tasks_run_in_process():
    result = run_django(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_TASK_ACKS_LATE)",
        PRODUCTION_ENV,
    )
    assert result.stdout.split() == ["True", "True"]


def test_with_a_broker_tasks_go_to_redis():
    result = run_django(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL)",
        {**PRODUCTION_ENV, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/3"},
    )
    assert result.stdout.split() == ["False", "redis://127.0.0.1:6379/3"]


def test_collectstatic_builds_a_manifest(tmp_path):
    """ManifestStaticFilesStorage fails if the CSS names an image we do not ship."""
    result = run_django(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'collectstatic', '--no-input', '-v0'])",
        {**PRODUCTION_ENV, "DJANGO_STATIC_ROOT": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("portal.*.css"))
