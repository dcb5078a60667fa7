"""An officer manages accounts in the admin but cannot make anyone, themselves
included, a superuser or staff, grant permissions outside the roles, or take
over a superuser's account."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from programmes.roles import APPLICANT, OFFICER
from tests.factories import UserFactory


def change_url(user):
    return reverse("admin:programmes_user_change", args=[user.pk])


def form_data(user, **extra):
    """The change form as the page would send it, plus what an attacker adds."""
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "council": user.council_id or "",
        "groups": list(user.groups.values_list("pk", flat=True)),
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2013-01-01",
        "date_joined_1": "09:00:00",
        **extra,
    }


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def any_permission(db):
    return Permission.objects.get(codename="delete_group")


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["self", "applicant"])
def test_an_officer_posting_superuser_staff_and_permissions_changes_nothing(
    officer_client, officer, applicant_a, any_permission, target
):
    user = officer if target == "self" else applicant_a
    was_staff = user.is_staff
    had = set(user.user_permissions.all())
    response = officer_client.post(
        change_url(user),
        form_data(
            user,
            is_superuser="on",
            is_staff="on" if not was_staff else "",
            user_permissions=[any_permission.pk],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert not user.is_superuser
    assert user.is_staff == was_staff
    # Only what the user had before (the officer fixture decides awards).
    assert set(user.user_permissions.all()) == had


@pytest.mark.django_db
def test_an_officer_sees_those_fields_but_cannot_edit_them(officer_client, applicant_a):
    page = officer_client.get(change_url(applicant_a)).content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="is_staff"' not in page
    assert 'name="user_permissions"' not in page
    assert 'name="is_active"' in page
    assert 'name="is_council_lead"' in page


@pytest.mark.django_db
def test_an_officer_cannot_change_or_delete_a_superuser(officer_client, superuser):
    page = officer_client.get(change_url(superuser))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = officer_client.post(
        change_url(superuser), form_data(superuser, email="x@evil.example")
    )
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.email == "root@example.org"
    password = reverse("admin:auth_user_password_change", args=[superuser.pk])
    refused = officer_client.post(
        password, {"password1": "a new long passphrase", "password2": "a new long passphrase"}
    )
    assert refused.status_code == 403
    superuser.refresh_from_db()
    assert not superuser.check_password("a new long passphrase")
    delete = reverse("admin:programmes_user_delete", args=[superuser.pk])
    assert officer_client.post(delete, {"post": "yes"}).status_code == 403


@pytest.mark.django_db
def test_an_officer_still_changes_roles_and_the_lead_flag(officer_client, applicant_a):
    officer_group = Group.objects.get(name=OFFICER)
    applicant_group = Group.objects.get(name=APPLICANT)
    officer_client.post(
        change_url(applicant_a),
        form_data(applicant_a, is_council_lead="on", groups=[applicant_group.pk]),
    )
    applicant_a.refresh_from_db()
    assert applicant_a.is_council_lead
    assert officer_group not in applicant_a.groups.all()


@pytest.mark.django_db
def test_a_superuser_may_make_a_superuser(client, superuser, applicant_a, any_permission):
    client.force_login(superuser)
    response = client.post(
        change_url(applicant_a),
        form_data(
            applicant_a, is_superuser="on", is_staff="on", user_permissions=[any_permission.pk]
        ),
    )
    assert response.status_code == 302
    applicant_a.refresh_from_db()
    assert applicant_a.is_superuser and applicant_a.is_staff
    assert list(applicant_a.user_permissions.all()) == [any_permission]


@pytest.mark.django_db
def test_unticking_active_in_the_admin_ends_the_persons_sessions(officer_client, applicant_a):
    from django.test import Client

    theirs = Client()
    theirs.force_login(applicant_a)
    data = form_data(applicant_a)
    del data["is_active"]
    assert officer_client.post(change_url(applicant_a), data).status_code == 302
    applicant_a.refresh_from_db()
    assert not applicant_a.is_active
    assert "_auth_user_id" not in theirs.session
