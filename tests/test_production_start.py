"""A production start from a clean clone, without `make demo` (issue 25):
the release step (`manage.py release`: assets, collectstatic, migrate,
roles), then, with debug off and the manifest static storage, a page and a
board paper's PDF. Before, printing raised "Missing staticfiles manifest
entry" and pages answered 500 until someone ran collectstatic by hand.

Needs git, npm and Chromium (CI has them); the Python dependencies are this
run's, and node_modules is copied from this checkout where it is installed
(as `make install` and `npm ci` would have left them), so no network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from programmes.printing import CHROMIUM

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("git", "npm", CHROMIUM))
    or not (ROOT / "node_modules").exists(),
    reason="needs git, npm, Chromium and this checkout's node_modules",
)

# Runs in the clone, as production would, with its settings.
AFTER_RELEASE = """
import json
from django.test import Client
from django.urls import reverse
from programmes.board import services
from programmes.documents import private_storage
from programmes.permissions import SYSTEM

page = Client().get(reverse("login"))
paper = services.paper_create(actor=SYSTEM, meeting_date="2014-01-10", contact_name="Robin")
# No broker: the print runs in this process after the publish commits.
published = services.paper_publish(paper=paper, actor=SYSTEM)
published.refresh_from_db()
pdf = b""
if published.pdf:
    with private_storage().open(published.pdf) as handle:
        pdf = handle.read()
print(json.dumps({
    "page": page.status_code,
    "hashed_css": "portal." in page.content.decode() and ".css" in page.content.decode(),
    "pdf_name": published.pdf,
    "pdf_problem": published.pdf_problem,
    "pdf_start": pdf[:5].decode("latin-1"),
}))
"""


def test_the_release_step_then_a_page_and_a_pdf_from_a_clean_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)  # noqa: S603,S607
    assert not (clone / "assets-build").exists()
    assert not (clone / "staticfiles").exists()
    # The installed front-end dependencies, as `npm ci` leaves them (copied:
    # the release step must never touch this checkout's node_modules).
    shutil.copytree(ROOT / "node_modules", clone / "node_modules", symlinks=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_", "PRIVATE_"))
    }
    env |= {
        "DJANGO_SECRET_KEY": "production-start-test-" + "k" * 40,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_HTTPS": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PRIVATE_STORAGE_ROOT": str(tmp_path / "private"),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    release = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "release"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert release.returncode == 0, release.stdout + release.stderr
    assert "Released" in release.stdout
    assert (clone / "staticfiles" / "staticfiles.json").exists()

    run = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", AFTER_RELEASE],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["page"] == 200
    assert result["hashed_css"]
    assert result["pdf_problem"] == ""
    assert result["pdf_name"]
    assert result["pdf_start"] == "%PDF-"

    # Run again (every deploy does): nothing to do, still fine.
    again = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "release", "--skip-assets"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stdout + again.stderr
