"""The login backend (accounts.backends.PanelBackend): logs in as ModelBackend does, loads each request's user by
a statement written once, checks a wrong password once, and keeps the sessions ModelBackend made valid."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import BACKEND_SESSION_KEY
from django.urls import reverse

from accounts.backends import PanelBackend
from accounts.models import User
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])
PASSWORD = "correct horse battery"


@pytest.fixture
def customer():
    account = UserFactory()
    account.set_password(PASSWORD)
    account.save()
    return account


def test_a_login_is_made_by_the_panel_backend_and_loads_the_user_in_one_query(
    client, customer, django_assert_num_queries
):
    response = client.post(reverse("login"), {"username": customer.username, "password": PASSWORD})
    assert response.status_code == 302
    with django_assert_num_queries(1):  # no session read before it (core.sessions): its own statement
        loaded = PanelBackend().get_user(customer.pk)
    assert client.session[BACKEND_SESSION_KEY] == "accounts.backends.PanelBackend"
    assert (
        loaded == customer and loaded.password == customer.password and loaded.subsidiary_id == customer.subsidiary_id
    )
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_session_modelbackend_made_before_stays_valid(client, customer):
    client.force_login(customer, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_password_is_checked_once_and_counted_by_the_lockout(client, customer, monkeypatch):
    checks = []
    check_password = User.check_password
    monkeypatch.setattr(User, "check_password", lambda self, raw: checks.append(raw) or check_password(self, raw))
    response = client.post(reverse("login"), {"username": customer.username, "password": "wrong"})
    assert response.status_code == 200 and checks == ["wrong"]
    assert AccessAttempt.objects.get(username=customer.username).failures_since_start == 1


def test_an_inactive_or_unknown_account_loads_no_user(client, customer):
    client.force_login(customer)
    User.objects.filter(pk=customer.pk).update(is_active=False)
    assert client.get(reverse("dashboard")).status_code == 302  # to the login page
    assert PanelBackend().get_user(customer.pk) is None and PanelBackend().get_user(customer.pk + 1000) is None
