"""Password reset by email, and changing a password while signed in.

A reset email is a notice, sent once the request's transaction commits
(programmes.notices): the tests that ask for one commit (transaction=True)."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from programmes.roles import APPLICANT
from tests.conftest import PASSWORD
from tests.factories import UserFactory

NEW_PASSWORD = "a brand new passphrase"


def reset_link(message) -> str:
    return re.search(r"http://testserver(/password-reset/\S+/)", message.body).group(1)


def without_nonces(response) -> str:
    """The page without its per-request CSP nonces."""
    return re.sub(r'nonce="[^"]*"', "", response.content.decode())


@pytest.mark.django_db(transaction=True)
def test_the_sign_in_page_links_to_password_reset(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in page


@pytest.mark.django_db(transaction=True)
def test_a_reset_link_sets_a_new_password(client, applicant_a):
    response = client.post(reverse("password_reset"), {"email": "applicant-a@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["applicant-a@example.org"]
    assert mail.outbox[0].subject == "Reset your Productivity Programme password"

    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    assert "Set a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_reset_complete")
    applicant_a.refresh_from_db()
    assert applicant_a.check_password(NEW_PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_an_unknown_address_gets_the_same_page_and_no_email(client, applicant_a):
    known = client.post(
        reverse("password_reset"), {"email": "applicant-a@example.org"}, follow=True
    )
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert unknown.redirect_chain == known.redirect_chain
    assert without_nonces(unknown) == without_nonces(known)
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_reset_link_works_only_once(client, applicant_a):
    client.post(reverse("password_reset"), {"email": "applicant-a@example.org"})
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    client.post(form_page.redirect_chain[-1][0], data)
    again = client.get(reset_link(mail.outbox[0]), follow=True)
    assert "This link has expired" in again.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("short pass", "This password is too short. It must contain at least 12 characters."),
        ("123456789012345", "This password is entirely numeric."),
        ("password12345", "This password is too common."),
    ],
)
def test_a_weak_new_password_is_refused(client, applicant_a, password, error):
    client.post(reverse("password_reset"), {"email": "applicant-a@example.org"})
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="govuk-error-summary"' in page
    assert error in page


@pytest.mark.django_db(transaction=True)
def test_an_empty_address_is_an_error_on_the_page(client):
    response = client.post(reverse("password_reset"), {"email": ""})
    page = response.content.decode()
    assert "<title>Error: Reset your password" in page
    assert "Enter your email address" in page


@pytest.mark.django_db(transaction=True)
def test_changing_a_password_signs_out_other_sessions_but_not_this_one(applicant_a):
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        browser.post(reverse("login"), {"username": "applicant-a", "password": PASSWORD})
        assert SESSION_KEY in browser.session

    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_change_done")
    assert here.get(reverse("applications:bid_list")).status_code == 200
    assert elsewhere.get(reverse("applications:bid_list")).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_reset_password_signs_out_every_session(client, applicant_a):
    elsewhere = Client()
    elsewhere.post(reverse("login"), {"username": "applicant-a", "password": PASSWORD})
    client.post(reverse("password_reset"), {"email": "applicant-a@example.org"})
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    client.post(form_page.redirect_chain[-1][0], data)
    assert elsewhere.get(reverse("applications:bid_list")).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_reset_emails_for_one_address_stop_after_three_an_hour(client, applicant_a):
    for _ in range(3):
        response = client.post(reverse("password_reset"), {"email": "applicant-a@example.org"})
        assert response.status_code == 302
    response = client.post(reverse("password_reset"), {"email": "Applicant-A@example.org"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "There is a problem" in page
    assert "You have asked for too many password reset emails. Wait an hour" in page
    assert len(mail.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_the_limit_is_the_same_for_an_address_without_an_account(client, applicant_a):
    """Being stopped says nothing about whether the address has an account."""
    answers = []
    for email in ("applicant-a@example.org", "nobody@example.org"):
        for _ in range(4):
            answers.append(client.post(reverse("password_reset"), {"email": email}).status_code)
    assert answers == [302, 302, 302, 429] * 2


@pytest.mark.django_db(transaction=True)
def test_one_client_asking_for_many_addresses_is_stopped(client, settings):
    settings.PASSWORD_RESET_RATE_PER_CLIENT = "5/h"
    answers = [
        client.post(reverse("password_reset"), {"email": f"person{n}@example.org"}).status_code
        for n in range(6)
    ]
    assert answers == [302] * 5 + [429]
    # Another client is not stopped by the first one's requests.
    other = Client(REMOTE_ADDR="192.0.2.10")
    assert other.post(reverse("password_reset"), {"email": "x@example.org"}).status_code == 302


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("spelling", ["demo-ſurrey@example.org", "DEMO-SURREY@EXAMPLE.ORG"])
def test_the_limit_counts_every_spelling_the_account_lookup_takes_as_one(client, spelling):
    """Django finds the account by NFKC and casefold (so "ſ" is "s"); the
    limit per address counts by the same rule, or each spelling would get
    three more emails to the same person."""
    UserFactory(username="surrey", email="demo-surrey@example.org", role=APPLICANT)
    answers = [
        client.post(reverse("password_reset"), {"email": email}).status_code
        for email in ["demo-surrey@example.org"] * 3 + [spelling]
    ]
    assert answers == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
