"""The Content-Security-Policy: scripts only from our origin or with the
page's nonce, never inline otherwise."""

import re

import pytest
from django.urls import reverse


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
def test_script_src_allows_no_inline_script(applicant_a_client):
    response = applicant_a_client.get(reverse("applications:bid_list"))
    csp = policy(response)
    assert csp["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_every_inline_script_carries_the_pages_nonce(applicant_a_client):
    response = applicant_a_client.get(reverse("applications:bid_list"))
    nonce = next(
        value[len("'nonce-") : -1]
        for value in policy(response)["script-src"]
        if value.startswith("'nonce-")
    )
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())
    assert len(inline_scripts) == 2
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline_scripts)


@pytest.mark.django_db
def test_each_page_gets_a_fresh_nonce(client):
    first = policy(client.get(reverse("login")))["script-src"]
    second = policy(client.get(reverse("login")))["script-src"]
    assert first != second


@pytest.mark.django_db
def test_the_admin_gets_the_policy_too(officer_client):
    response = officer_client.get(reverse("admin:index"))
    assert "'unsafe-inline'" not in policy(response)["script-src"]
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>\s*[^<\s]", response.content.decode()) == []
