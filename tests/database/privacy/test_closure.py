"""Close my account: refused while something still needs it, otherwise the login ends and personal details go."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.models import User
from api.credentials import token_create
from api.models import ApiApplication, ConsumerKey
from core.models import OutboxEmail, Session
from core.sessions.db import SessionStore
from orders.models import CreditNote, Invoice, OrderStatus, Refund, Service
from orders.services.consents import Evidence
from orders.services.delivery import order_deliver
from orders.services.validation import order_validate
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from privacy import closure
from privacy.closure import ClosureRefused, account_close, closure_blockers
from tests.support.factories import UserFactory, pay_order, place_order
from tests.support.orders import withdrawn_order
from tests.support.pages import CLOSED_MESSAGE, french

DB = pytest.mark.django_db(databases=["default", "sandbox"])
LIVE_DB = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
CLOSE = "privacy:close"
CONFIRMED = {"password": "demo", "confirm": "on"}


def close(client, data=CONFIRMED):
    return client.post(reverse(CLOSE), data)


def paid(account):
    """Paid, and through manual validation if a risk rule sent it there: being delivered."""
    order = pay_order(place_order(account=account))
    if order.status == OrderStatus.CHECKING:
        order_validate(order_id=order.pk, staff=None)
    return order


def assert_unchanged(account: User, **expected) -> None:
    fresh = User.objects.get(pk=account.pk)
    assert fresh.is_active and fresh.closed_at is None and fresh.check_password("demo")
    assert (fresh.username, fresh.email, fresh.last_name) == (account.username, account.email, account.last_name)
    assert not OutboxEmail.objects.filter(key__startswith="account-closed:").exists()


def kinds(blockers) -> list[str]:
    return [blocker.kind for blocker in blockers]


@DB
def test_the_page_says_what_closing_does_and_asks_for_the_password_and_the_box(client):
    client.force_login(UserFactory())
    response = client.get(reverse(CLOSE))
    assert response.status_code == 200 and response.context["blockers"] == []
    assert b"10 years" in response.content and b'name="confirm"' in response.content
    assert reverse("privacy:close").encode() in client.get(reverse("accounts:details")).content


@DB
@pytest.mark.parametrize(
    ("data", "field"), [({"password": "wrong", "confirm": "on"}, "password"), ({"password": "demo"}, "confirm")]
)
def test_a_wrong_password_or_no_tick_closes_nothing(client, data, field):
    account = UserFactory()
    client.force_login(account)
    response = close(client, data)
    assert response.status_code == 200 and list(response.context["form"].errors) == [field]
    assert f'aria-describedby="id_{field}'.encode() in response.content
    assert_unchanged(account)


@DB
def test_an_unpaid_order_refuses_the_closure_and_says_what_to_do(client):
    account = UserFactory()
    order = place_order(account=account)
    client.force_login(account)
    assert b'name="confirm"' not in client.get(reverse(CLOSE)).content  # nothing to submit while blocked
    response = close(client)
    assert response.status_code == 409
    assert [(b.kind, b.order_id) for b in response.context["blockers"]] == [(closure.UNPAID, order.pk)]
    text = re.sub(r"\s+", " ", response.content.decode())
    assert f"Order {order.pk} is waiting for payment: pay it, or let it expire on" in text
    assert reverse("orders:tracking", args=[order.pk]) in text
    assert_unchanged(account)


@DB
def test_an_expired_unpaid_order_does_not_hold_the_account():
    account = UserFactory()
    order = place_order(account=account)
    assert kinds(closure_blockers(account=account, now=order.created_at)) == [closure.UNPAID]
    assert closure_blockers(account=account, now=order.expires_at) == []


@DB
def test_a_pending_refund_refuses_the_closure(client):
    """Withdrawn, its refund not paid yet (it runs after commit): the money owed to the customer is never lost."""
    account = UserFactory()
    order = paid(account)
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True, reason="unused"),
        evidence=Evidence(channel="panel", actor=account),
        channel="panel",
    )
    refund = Refund.objects.get(order=order)
    assert refund.status == Refund.Status.PENDING
    client.force_login(account)
    response = close(client)
    assert response.status_code == 409
    assert kinds(response.context["blockers"]) == [closure.CANCELLING, closure.REFUND]
    assert "We owe you a refund of €" in re.sub(r"\s+", " ", response.content.decode())
    assert_unchanged(account)


@DB
def test_orders_being_delivered_and_active_services_hold_the_account():
    account = UserFactory()
    delivering = paid(account)
    assert [(b.kind, b.order_id) for b in closure_blockers(account=account, now=delivering.created_at)] == [
        (closure.DELIVERING, delivering.pk)
    ]
    order_deliver(order_id=delivering.pk)
    service = Service.objects.get(account=account)
    [blocker] = closure_blockers(account=account, now=delivering.created_at)
    assert (blocker.kind, blocker.name, blocker.when) == (closure.SERVICE, service.name, service.period_end)
    with pytest.raises(ClosureRefused):
        account_close(account=account)
    assert_unchanged(account)


@DB
def test_staff_accounts_are_not_closed_here():
    staff = UserFactory(is_staff=True)
    assert kinds(closure_blockers(account=staff, now=staff.date_joined)) == [closure.STAFF]


@LIVE_DB
def test_closing_ends_the_login_erases_the_details_and_keeps_the_documents(client, mailoutbox):
    account = UserFactory(first_name="Jeanne", last_name="Durand", phone="+33 1 00 00 00 00", language="fr")
    username, email, handle = account.username, account.email, account.handle
    order = withdrawn_order(account)
    keys = token_create(account=account, rules=[{"method": "GET", "path": "/*"}])
    other_device = Client()
    other_device.force_login(account)
    client.force_login(account)
    mailoutbox.clear()

    response = close(client)
    assert response.status_code == 302 and response.url == reverse("login")
    assert french(CLOSED_MESSAGE) in client.get(response.url).content.decode()  # in the account's language

    account.refresh_from_db()
    assert not account.is_active and not account.has_usable_password() and account.closed_at
    assert (account.username, account.handle) == (f"closed-{handle}", handle)
    assert [account.first_name, account.last_name, account.email, account.phone, account.address] == [""] * 5
    assert not account.payment_methods.exists()
    assert ApiApplication.objects.get(account=account).revoked_at
    assert ConsumerKey.objects.get(consumer_key=keys["consumer_key"]).state == ConsumerKey.State.REVOKED
    assert LogEntry.objects.get(object_id=str(account.pk)).user_id == account.pk

    # No way back in: sessions gone, no login with the old or the new username.
    decode = SessionStore().decode
    assert not [s for s in Session.objects.all() if decode(s.session_data).get(SESSION_KEY) == str(account.pk)]
    assert other_device.get(reverse("accounts:details")).status_code == 302
    for name in (username, account.username):
        attempt = Client().post(reverse("login"), {"username": name, "password": "demo"})
        assert attempt.status_code == 200 and attempt.context["form"].errors

    # One confirmation, in the customer's language, to the address they had; a double submit changes nothing.
    [sent] = mailoutbox
    assert sent.to == [email] and handle in sent.subject
    assert close(client).status_code == 302
    account_close(account=account)
    assert OutboxEmail.objects.filter(key=f"account-closed:{account.pk}").count() == 1 and len(mailoutbox) == 1

    # What accounting law keeps: the documents, with the billing details they were issued with.
    order.refresh_from_db()
    assert order.billing["name"] == "Jeanne Durand" and order.billing["email"] == email
    staff = UserFactory(is_staff=True)  # finance's permissions for these documents (the admin's)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_invoice", "view_creditnote"]))
    client.force_login(staff)
    invoice = Invoice.objects.get(order=order)
    page = client.get(reverse("orders:bill", args=[order.pk]))
    assert (
        page.status_code == 200 and invoice.number in page.content.decode() and "Jeanne Durand" in page.content.decode()
    )
    note = CreditNote.objects.get(refund__order=order)
    page = client.get(reverse("orders:credit_note", args=[order.pk, note.pk]))
    assert page.status_code == 200 and note.number in page.content.decode()


@DB
def test_staff_find_closed_accounts_in_the_admin(client, settings):
    settings.STAFF_2FA = False
    closed, still_open = account_close(account=UserFactory()), UserFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:accounts_user_changelist"), {"closed_at__isempty": "0"}).content.decode()
    assert closed.username in page and still_open.username not in page


@DB
def test_closing_enforces_csrf():
    account = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(account)
    assert close(client).status_code == 403
    assert_unchanged(account)


@DB
def test_closing_needs_a_login(client):
    response = close(client)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
