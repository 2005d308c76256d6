"""Login lockout (django-axes): the panel's and the admin's login, the way in to validate an API key,
per username and client IP, reset by a success, lifted by staff; never in the way of a withdrawal."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import credentials
from api.models import ConsumerKey
from orders.models import Withdrawal
from orders.services.payments import order_pay
from tests.support.factories import PaymentMethodFactory, UserFactory, place_order

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

LOCKED = "Too many failed attempts"
LIMIT = 5


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def login(client, username, password, url=None, **extra):
    return client.post(url or reverse("login"), {"username": username, "password": password}, **extra)


def fail(client, username, times, url=None, **extra):
    for _ in range(times):
        login(client, username, "wrong-password", url, **extra)


def test_the_panel_login_locks_after_the_limit_and_refuses_even_the_right_password(client):
    customer = UserFactory()
    fail(client, customer.username, LIMIT - 1)
    assert login(client, customer.username, "wrong-password").status_code == 429
    response = login(client, customer.username, "demo")
    page = response.content.decode()
    assert response.status_code == 429 and LOCKED in page and "15 minutes" in page
    assert "_auth_user_id" not in client.session
    # The page points to the withdrawal without a session.
    assert "You can still withdraw from a contract without logging in" in page
    assert f'href="{reverse("orders:withdraw_start")}"' in page


def test_the_lockout_is_per_username_and_ip(client):
    customer, other = UserFactory(), UserFactory()
    fail(client, customer.username, LIMIT)
    assert login(client, other.username, "demo").status_code == 302  # another username from the same IP
    other_ip = Client(REMOTE_ADDR="203.0.113.9")
    assert login(other_ip, customer.username, "demo").status_code == 302  # the same username from elsewhere


def test_a_success_resets_the_count(client):
    customer = UserFactory()
    fail(client, customer.username, LIMIT - 1)
    assert login(client, customer.username, "demo").status_code == 302
    client.logout()
    fail(client, customer.username, LIMIT - 1)
    assert login(client, customer.username, "demo").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, time_machine):
    time_machine.move_to(timezone.now())
    customer = UserFactory()
    fail(client, customer.username, LIMIT)
    time_machine.shift(15 * 60 + 1)
    assert login(client, customer.username, "demo").status_code == 302


def test_the_client_ip_comes_from_the_proxy_header_only_when_configured(client, settings):
    customer = UserFactory()
    fail(client, customer.username, LIMIT, HTTP_X_FORWARDED_FOR="198.51.100.1")
    # Without CLIENT_IP_META the header is ignored: the socket's address is locked, whatever a client claims.
    assert login(client, customer.username, "demo", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429
    settings.CLIENT_IP_META = "HTTP_X_FORWARDED_FOR"
    fail(client, customer.username, LIMIT, HTTP_X_FORWARDED_FOR="198.51.100.3")
    assert login(client, customer.username, "demo", HTTP_X_FORWARDED_FOR="198.51.100.3").status_code == 429
    # Behind the proxy, another client (its last address) is not locked out.
    assert login(client, customer.username, "demo", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.4").status_code == 302
    client.logout()
    # A header that is no address is counted without one, never an error.
    assert login(client, customer.username, "wrong-password", HTTP_X_FORWARDED_FOR="not-an-ip").status_code == 200


def test_the_admin_login_locks_too(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    fail(client, staff.username, LIMIT, admin_login)
    response = login(client, staff.username, "demo", admin_login)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302  # still not logged in


def test_validating_an_api_key_goes_through_the_locked_login(client):
    customer = UserFactory()
    application = credentials.application_create(account=customer, name="script").application
    consumer = credentials.consumer_key_request(application=application, access_rules=[{"method": "GET", "path": "/*"}])
    validate = reverse("api_panel:validate", args=[consumer.validation_token])
    redirect = client.get(validate)
    assert redirect.status_code == 302 and redirect.url.startswith(reverse("login"))
    fail(client, customer.username, LIMIT)
    response = client.post(redirect.url, {"username": customer.username, "password": "demo", "next": validate})
    assert response.status_code == 429
    assert client.post(validate, {"validity": "24h"}).status_code == 302  # back to the login page
    consumer.refresh_from_db()
    assert consumer.state == ConsumerKey.State.PENDING and consumer.account is None


@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
def test_a_locked_out_customer_still_withdraws_through_the_emailed_link(client):
    customer = UserFactory()
    order = place_order(account=customer)
    order_pay(order_id=order.pk, account=customer, method=PaymentMethodFactory(account=customer))
    fail(client, customer.username, LIMIT)
    assert login(client, customer.username, "demo").status_code == 429

    start = reverse("orders:withdraw_start")
    assert client.get(start).status_code == 200
    response = client.post(start, {"order": order.pk, "email": customer.email}, follow=True)
    assert response.status_code == 200 and "If this order exists" in response.content.decode()
    path = re.search(r"/orders/withdraw/[^/\s]+/", mail.outbox[-1].body).group(0)
    assert "Confirm withdrawal" in client.get(path).content.decode()
    client.post(path, {"confirm": "on"})
    assert Withdrawal.objects.get(order=order).channel == "link"
    assert login(client, customer.username, "demo").status_code == 429  # still locked, and that blocked nothing


def test_staff_unlock_from_the_admin(client, admin_client):
    customer = UserFactory()
    fail(client, customer.username, LIMIT)
    attempt = AccessAttempt.objects.get(username=customer.username)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert customer.username in admin_client.get(changelist).content.decode()
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert login(client, customer.username, "demo").status_code == 302


@pytest.mark.parametrize("url", [reverse("password_change"), reverse("admin:password_change")])
def test_wrong_old_passwords_on_the_password_change_form_count_as_failed_logins(client, url):
    user = UserFactory(is_staff=True, is_superuser=True)  # the admin's form too (STAFF_2FA is off in tests)
    client.force_login(user)
    change = {"old_password": "wrong-password", "new_password1": "n3w-Passw0rd!", "new_password2": "n3w-Passw0rd!"}
    for _ in range(LIMIT - 1):
        assert client.post(url, change).status_code == 200  # the form says the old password is wrong
    response = client.post(url, change)
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session  # the session that guessed is logged out
    assert login(client, user.username, "demo").status_code == 429  # locked like the login
    user.refresh_from_db()
    assert user.check_password("demo")
    client.force_login(user)  # another session of the same user, same IP: the form is refused while locked
    assert client.post(url, {**change, "old_password": "demo"}).status_code == 429
    user.refresh_from_db()
    assert user.check_password("demo")


def test_the_right_old_password_still_changes_it(client):
    user = UserFactory()
    client.force_login(user)
    change = {"old_password": "demo", "new_password1": "n3w-Passw0rd!", "new_password2": "n3w-Passw0rd!"}
    assert client.post(reverse("password_change"), change).status_code == 302
    user.refresh_from_db()
    assert user.check_password("n3w-Passw0rd!")
