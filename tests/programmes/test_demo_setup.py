"""Set-up as the README writes it (issue 27): the security-code command works
as it stands in a fresh shell and is the one `make demo` prints; the demo's
invitation link follows HOST and PORT and is printed on every `make demo`;
every demo login is in the README; a missing page in the demo is the
production "Page not found"; /favicon.ico answers."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from programmes.demo import DEMO_TOTP_COMMAND, DEMO_USERS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


def test_the_readme_gives_the_security_code_command_make_demo_prints():
    assert DEMO_TOTP_COMMAND in README
    assert "python manage.py demo_totp_code" not in README.replace(DEMO_TOTP_COMMAND, "")


def test_the_security_code_command_passes_its_checks_in_a_fresh_shell(tmp_path):
    # A fresh shell: none of the test run's settings, a database of its own
    # (empty: the command gets past its checks to the query, which fails).
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.sqlite3"}
    command = DEMO_TOTP_COMMAND.replace(".venv/bin/python", sys.executable)
    finished = subprocess.run(  # noqa: S602 - the README's command, as a person types it
        command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert "DJANGO_SECRET_KEY" not in finished.stderr
    assert "Refusing to print security codes" not in finished.stderr
    assert "no such table" in finished.stderr  # it reached the database


def test_every_demo_login_is_in_the_readme():
    for username, *_ in DEMO_USERS:
        assert f"`{username}`" in README, username


def test_the_readme_says_how_to_start_a_fresh_demo_and_names_host_and_port():
    assert "rm -f db.sqlite3 && rm -rf private-uploads && make demo" in README
    assert "`HOST`" in README and "`PORT`" in README
    assert "--site-url http://$(HOST):$(PORT)/" in MAKEFILE


def test_every_make_demo_prints_an_invitation_link_to_its_own_port(
    demo, settings, mailoutbox, django_capture_on_commit_callbacks, capsys
):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--reset-passwords", "--site-url", "http://127.0.0.1:8123/")
    links = re.findall(r"http://\S+/invitation/\S+/", mailoutbox[-1].body)
    assert links and links[0].startswith("http://127.0.0.1:8123/invitation/")
    assert "has invited dana.demo@example.gov.uk" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_missing_page_in_the_demo_is_the_production_not_found_page(client, settings):
    settings.DEBUG = True
    for path in ["/no-such-page/", "/board/councils/999999/"]:
        response = client.get(path)
        page = response.content.decode()
        assert response.status_code in (404, 302), path
        if response.status_code == 404:
            assert "Page not found" in page and "Using the URLconf" not in page, path


@pytest.mark.django_db
def test_a_page_a_view_cannot_find_in_the_demo_is_the_production_page(board_client, settings):
    settings.DEBUG = True
    response = board_client.get(reverse("board:council", args=[999999]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "Raised by" not in page


@pytest.mark.django_db
def test_the_favicon_is_our_mark(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert "favicon-32" in response["Location"]
