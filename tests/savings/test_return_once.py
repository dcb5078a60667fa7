"""A savings return form sent twice (a double-click, a replayed POST) makes one return."""

import re
import threading
from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from programmes.roles import APPLICANT
from savings import services
from savings.models import ReturnSubmission, SavingsEntry
from tests.factories import UserFactory
from tests.savings.test_returns import good_return, make_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def award_a(strands, council_a):
    return make_award(strands["experts"], council_a, "PE-2013-0001")


def test_the_form_carries_a_fresh_one_time_token_each_time_it_is_shown(applicant_a_client, award_a):
    url = reverse("savings:return_create", args=[award_a.pk])
    tokens = [
        re.search(r'name="submission" value="([0-9a-f-]{36})"', page).group(1)
        for page in (applicant_a_client.get(url).content.decode() for _ in range(2))
    ]
    assert tokens[0] != tokens[1]
    assert 'type="hidden" name="submission"' in applicant_a_client.get(url).content.decode()


def test_the_same_form_sent_twice_makes_one_return(applicant_a_client, award_a):
    url = reverse("savings:return_create", args=[award_a.pk])
    form = good_return()
    first = applicant_a_client.post(url, form)
    second = applicant_a_client.post(url, form, follow=True)
    assert first.status_code == 302
    assert second.redirect_chain == [(reverse("savings:award_detail", args=[award_a.pk]), 302)]
    assert SavingsEntry.objects.count() == 1
    submission = ReturnSubmission.objects.get()
    assert submission.entry == SavingsEntry.objects.get()
    # The award's page lists the return once.
    assert second.content.decode().count("£2,300,000") == 1


def test_two_forms_make_two_returns(applicant_a_client, award_a):
    url = reverse("savings:return_create", args=[award_a.pk])
    applicant_a_client.post(url, good_return())
    applicant_a_client.post(url, good_return())
    assert SavingsEntry.objects.count() == 2


def test_a_form_without_its_token_is_refused_as_expired(applicant_a_client, award_a):
    form = good_return()
    del form["submission"]
    response = applicant_a_client.post(reverse("savings:return_create", args=[award_a.pk]), form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "This form has expired. Open the form again to send your return" in page
    assert 'href="#id_submission"' not in page
    assert not SavingsEntry.objects.exists()


def test_a_token_spent_by_another_user_makes_nothing(
    applicant_a_client, client, award_a, council_a
):
    url = reverse("savings:return_create", args=[award_a.pk])
    form = good_return(submission=str(uuid4()))
    applicant_a_client.post(url, form)
    colleague = UserFactory(council=council_a, role=APPLICANT)
    client.force_login(colleague)
    response = client.post(url, form)
    assert "This form has already been used" in response.content.decode()
    assert SavingsEntry.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent unique inserts: PostgreSQL only"
)
@pytest.mark.django_db(transaction=True)
def test_four_concurrent_sendings_of_one_form_make_one_return(award_a, applicant_a):
    barrier = threading.Barrier(4)
    key = uuid4()
    entries, errors = [], []

    def send() -> None:
        try:
            barrier.wait()
            entry = services.savings_return_submit(
                actor=applicant_a,
                award=award_a,
                financial_year="2012/13",
                amount=Decimal("2300000"),
                evidence="Outturn report",
                submission=key,
            )
            entries.append(entry.pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(entries)) == 1
    assert SavingsEntry.objects.count() == 1
