"""django-axes's sign-in attempts in the admin (programmes/twofactor/admin.py):
its "Clean up expired attempts" action works whatever rows are chosen."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

CHANGELIST = "/admin/axes/accessattempt/"


def attempt(username: str, age: timedelta) -> AccessAttempt:
    row = AccessAttempt.objects.create(
        username=username,
        ip_address="192.0.2.1",
        user_agent="test",
        failures_since_start=5,
        get_data="",
        post_data="",
    )
    # attempt_time is set on creation (auto_now_add): backdate it.
    AccessAttempt.objects.filter(pk=row.pk).update(attempt_time=timezone.now() - age)
    return row


@pytest.mark.django_db
@pytest.mark.parametrize("chosen", ["expired", "fresh", "both"])
def test_cleanup_expired_attempts_removes_the_expired_ones_for_any_selection(
    officer_client, settings, chosen
):
    expired = attempt("old", settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
    fresh = attempt("new", timedelta(minutes=1))
    rows = {"expired": [expired.pk], "fresh": [fresh.pk], "both": [expired.pk, fresh.pk]}[chosen]
    response = officer_client.post(
        CHANGELIST,
        {"action": "cleanup_expired_attempts", "_selected_action": rows},
        follow=True,
    )
    assert response.status_code == 200
    assert "Cleaned up 1 expired access attempts." in response.content.decode()
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["new"]
