"""Two-factor authentication for staff (STAFF_2FA): TOTP enrolment and verification before the admin."""

import re
from base64 import b32decode
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

OTP = reverse("admin:otp")
INDEX = reverse("admin:index")
ORDERS = reverse("admin:orders_order_changelist")


@pytest.fixture(autouse=True)
def _staff_2fa(settings):
    settings.STAFF_2FA = True
    settings.AXES_FAILURE_LIMIT = 5


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


def code_for(key: bytes, *, offset: int = 0) -> str:
    totp = TOTP(key)
    totp.time += offset * totp.step
    return f"{totp.token():06d}"


def device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def password_login(client, user):
    return client.post(reverse("admin:login"), {"username": user.username, "password": "demo", "next": ORDERS})


def test_staff_without_a_second_factor_cannot_reach_admin_pages(client, staff):
    device_for(staff)
    response = password_login(client, staff)
    assert response.status_code == 302  # the password is right
    for url in (INDEX, ORDERS):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(OTP) and "Type the 6-digit code" in response.content.decode()
    client.force_login(staff)  # as the other admin tests log in: still no second factor
    assert client.get(ORDERS).status_code == 302


def test_a_valid_code_opens_the_admin_and_a_wrong_one_is_refused(client, staff):
    device = device_for(staff)
    password_login(client, staff)
    wrong = client.post(OTP, {"code": "000000" if code_for(device.bin_key) != "000000" else "111111"})
    assert wrong.status_code == 400 and "This code is not valid" in wrong.content.decode()
    assert client.get(ORDERS).status_code == 302
    device.refresh_from_db()
    device.throttle_reset()  # django-otp's growing delay between tries is tested below
    response = client.post(f"{OTP}?next={ORDERS}", {"code": code_for(device.bin_key), "next": ORDERS})
    assert response.status_code == 302 and response.url == ORDERS
    assert client.get(ORDERS).status_code == 200


@pytest.mark.parametrize("next_url", ["a\x00b", "999", "orders"])
def test_a_next_that_is_not_a_path_goes_to_the_admin_index(client, staff, next_url):
    """A bare word was taken by `redirect()` for a view name: a 500 (found by the panel fuzz's twin on reorder)."""
    device = device_for(staff)
    password_login(client, staff)
    response = client.post(OTP, {"code": code_for(device.bin_key), "next": next_url})
    assert response.status_code == 302 and response.url == INDEX
    assert client.get(ORDERS).status_code == 200


def test_a_code_is_not_accepted_twice(client, staff):
    device = device_for(staff)
    code = code_for(device.bin_key)
    password_login(client, staff)
    assert client.post(OTP, {"code": code}).status_code == 302
    other = Client()  # another session, the same code a moment later
    password_login(other, staff)
    assert other.post(OTP, {"code": code}).status_code == 400


def test_django_otp_makes_you_wait_after_a_wrong_code(client, staff, time_machine):
    time_machine.move_to(timezone.now())
    device = device_for(staff)
    password_login(client, staff)
    client.post(OTP, {"code": "not-a-code"})
    response = client.post(OTP, {"code": code_for(device.bin_key)})
    assert response.status_code == 400 and "wait a few seconds" in response.content.decode()
    time_machine.shift(2)
    assert client.post(OTP, {"code": code_for(device.bin_key)}).status_code == 302


def test_guessing_codes_locks_out_and_logs_out(client, staff, time_machine):
    time_machine.move_to(timezone.now())
    device = device_for(staff)
    password_login(client, staff)
    for _ in range(5):
        time_machine.shift(60)  # past django-otp's own delay: only the lockout stops the guesses
        response = client.post(OTP, {"code": "not-a-code"})
    assert response.status_code == 429 and "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    time_machine.shift(60)
    assert password_login(client, staff).status_code == 429  # the password is locked too
    assert client.post(OTP, {"code": code_for(device.bin_key)}).status_code == 302  # to the login page
    assert client.get(ORDERS).status_code == 302


def test_first_login_enrols_a_device(client, staff):
    password_login(client, staff)
    page = client.get(OTP)
    html = page.content.decode()
    assert page.status_code == 200 and "Secret key:" in html and 'src="data:image/svg+xml' in html
    uri = re.search(r'href="(otpauth://totp/[^"]+)"', html).group(1).replace("&amp;", "&")
    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    assert secret in html
    assert not TOTPDevice.objects.filter(user=staff, confirmed=True).exists()
    assert client.get(OTP).content.decode().count(secret) >= 1  # the same secret until it is confirmed
    key = b32decode(secret)
    response = client.post(OTP, {"code": code_for(key)})
    assert response.status_code == 302 and response.url == INDEX
    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed and device.bin_key == key
    assert client.get(ORDERS).status_code == 200


def test_the_secret_is_shown_only_while_enrolling(client, staff):
    device = device_for(staff)
    password_login(client, staff)
    html = client.get(OTP).content.decode()
    assert "Secret key:" not in html and device.key not in html


def test_customers_are_not_asked_for_a_code(client):
    customer = UserFactory()
    client.post(reverse("login"), {"username": customer.username, "password": "demo"})
    assert client.get(reverse("orders:list")).status_code == 200
    assert client.get(OTP).status_code == 302 and client.get(OTP).url.startswith(reverse("admin:login"))


def test_with_staff_2fa_off_the_password_is_enough(client, staff, settings):
    settings.STAFF_2FA = False
    password_login(client, staff)
    assert client.get(ORDERS).status_code == 200
