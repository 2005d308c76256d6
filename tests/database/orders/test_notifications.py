"""Every lifecycle email: written with the change, sent once after commit, in the customer's language."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import LegalForm
from core.models import OutboxEmail
from core.outbox import _render
from core.tasks import resend_pending_emails
from orders import lifecycle
from orders.legal import legal_text
from orders.models import OrderStatus, Payment
from orders.notifications import (
    notify_expiry_reminder,
    notify_order_delivered,
    notify_order_expired,
    notify_order_refused,
    notify_order_validated,
)
from orders.services.expiry import expiry_reminders_send, orders_expire, orders_to_remind
from orders.services.invoices import invoice_issue
from orders.services.validation import order_refuse_and_refund, order_request_documents, order_validate
from orders.tasks import send_expiry_reminders
from tests.support.factories import UserFactory, pay_order, place_order

pytestmark = pytest.mark.django_db

S = OrderStatus


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run a block and then its on-commit work (the email tasks), as the worker would after commit."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def emails_with(key_prefix: str) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(key__startswith=key_prefix))


def sent_to(address: str, subject_part: str) -> list:
    return [m for m in mail.outbox if m.to == [address] and subject_part in m.subject]


def test_order_placed_carries_the_withdrawal_information_and_form_for_consumers(run_on_commit, mailoutbox):
    order = run_on_commit(place_order)
    [email] = emails_with(f"order-placed:{order.pk}")
    assert (email.template, email.to, email.language, email.order_id) == (
        "order_placed",
        order.account.email,
        "en",
        order.pk,
    )
    [message] = sent_to(order.account.email, f"Your purchase order {order.number}")
    assert legal_text("withdrawal_information", "en", order.subsidiary) in message.body
    assert legal_text("withdrawal_form", "en", order.subsidiary) in message.body
    assert reverse("orders:pay", args=[order.pk]) in message.body
    html, _mime = message.alternatives[0]
    assert "Right of withdrawal" in html and "Model withdrawal form" in html


def test_business_customers_get_no_withdrawal_text(run_on_commit, mailoutbox):
    account = UserFactory(legal_form=LegalForm.CORPORATION, organisation="Acme SAS")
    order = run_on_commit(lambda: place_order(account=account))
    [message] = sent_to(account.email, order.number)
    assert "Right of withdrawal" not in message.body and "Model withdrawal form" not in message.body


def test_a_french_account_gets_its_emails_in_french(run_on_commit, mailoutbox):
    account = UserFactory(language="fr")
    order = run_on_commit(lambda: place_order(account=account))
    order = run_on_commit(lambda: pay_order(order))
    emails = OutboxEmail.objects.filter(order_id=order.pk)
    assert {e.template for e in emails} >= {"order_placed", "payment_received", "invoice_available"}
    assert {e.language for e in emails} == {"fr"}
    placed = next(m for m in mailoutbox if order.number in m.subject and "bon de commande" in m.subject)
    assert legal_text("withdrawal_information", "fr", order.subsidiary) in placed.body  # « Droit de rétractation »
    assert legal_text("withdrawal_form", "fr", order.subsidiary) in placed.body
    assert "12,00\u00a0€" in placed.body or "12,00 €" in placed.body  # amounts formatted for a French reader


def test_payment_received_once_even_if_the_gateway_answers_twice(run_on_commit, mailoutbox):
    from orders.services.payments import payment_record_result
    from payments.gateway import GatewayResult

    order = run_on_commit(lambda: pay_order(place_order()))
    payment = order.payments.get(status=Payment.Status.SUCCEEDED)
    again = GatewayResult(status="succeeded", reference="again", message="", settles_at=None)
    run_on_commit(lambda: payment_record_result(payment_id=payment.pk, result=again))
    assert len(emails_with(f"payment-received:{order.pk}")) == 1
    [message] = sent_to(order.account.email, "Payment received")
    assert "checking your order" in message.body  # a first order goes to validation


def test_documents_requested_validated_and_refused_emails(run_on_commit, mailoutbox):
    staff = UserFactory(is_staff=True)
    order = pay_order(place_order())
    order = run_on_commit(
        lambda: order_request_documents(order_id=order.pk, staff=staff, today=timezone.localdate())
    )
    [requested] = emails_with(f"documents-requested:{order.pk}:")
    [message] = sent_to(order.account.email, "Documents needed")
    assert f"{settings.PUBLIC_BASE_URL}{reverse('orders:documents', args=[order.pk])}" in message.body
    assert requested.context["due_on"] and requested.context["due_on"] in message.body

    order = lifecycle.order_documents_received(order_id=order.pk, actor=order.account)
    run_on_commit(lambda: order_validate(order_id=order.pk, staff=staff))
    assert len(emails_with(f"order-validated:{order.pk}")) == 1
    assert sent_to(order.account.email, "confirmed")

    refused = pay_order(place_order())
    run_on_commit(lambda: order_refuse_and_refund(order_id=refused.pk, staff=staff, note="internal: fraud"))
    [message] = sent_to(refused.account.email, "declined")
    assert "internal: fraud" not in message.body  # the staff note stays in the history
    assert len(emails_with(f"order-refused:{refused.pk}")) == 1


def test_a_second_request_for_documents_is_a_second_email(run_on_commit):
    staff = UserFactory(is_staff=True)
    order = pay_order(place_order())
    for _ in range(2):
        run_on_commit(
            lambda: order_request_documents(order_id=order.pk, staff=staff, today=timezone.localdate())
        )
        lifecycle.order_documents_received(order_id=order.pk, actor=order.account)
    assert len(emails_with(f"documents-requested:{order.pk}:")) == 2


def test_delivered_with_the_access_details(run_on_commit, mailoutbox):
    account = UserFactory()
    pay_order(place_order(account=account))  # the first order goes to validation
    order = run_on_commit(lambda: pay_order(place_order(account=account)))
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    [email] = emails_with(f"order-delivered:{order.pk}")
    [service] = email.context["services"]
    [message] = sent_to(account.email, "is ready")
    assert service["name"] in message.body and "root" in message.body  # the sandbox's login
    assert {e.template for e in OutboxEmail.objects.filter(order_id=order.pk)} == {
        "order_placed",
        "payment_received",
        "invoice_available",
        "order_delivered",
    }


def test_expiry_reminder_two_days_before_once(run_on_commit, mailoutbox):
    now = timezone.now()
    soon = place_order(now=now - timedelta(days=settings.ORDER_VALIDITY_DAYS - 1))  # expires in a day
    later = place_order(now=now)  # expires in 7 days
    held = place_order(now=now - timedelta(days=settings.ORDER_VALIDITY_DAYS - 1))
    Payment.objects.create(
        order=held, kind="sepaDirectDebit", amount=held.total_gross, currency="EUR", idempotency_key="held"
    )  # a debit in progress: nothing to remind
    assert list(orders_to_remind(now=now)) == [soon]
    assert run_on_commit(lambda: expiry_reminders_send(now=now)) == 1
    assert run_on_commit(lambda: send_expiry_reminders.delay().result) == 0  # running it again sends nothing
    assert len(emails_with(f"expiry-reminder:{soon.pk}")) == 1
    assert not emails_with(f"expiry-reminder:{later.pk}") and not emails_with(f"expiry-reminder:{held.pk}")
    [message] = sent_to(soon.account.email, "expires soon")
    assert reverse("orders:pay", args=[soon.pk]) in message.body


def test_expired_email_once_per_order_from_the_sweep(run_on_commit, mailoutbox):
    now = timezone.now()
    orders = [place_order(now=now - timedelta(days=settings.ORDER_VALIDITY_DAYS + 1)) for _ in range(3)]
    assert run_on_commit(lambda: orders_expire(now=now, batch_size=2)) == 3
    assert run_on_commit(lambda: orders_expire(now=now)) == 0
    for order in orders:
        assert len(emails_with(f"order-expired:{order.pk}")) == 1
        assert len(sent_to(order.account.email, "has expired")) == 1


def test_every_email_is_sent_once_even_when_the_sweep_resends(run_on_commit, mailoutbox):
    order = run_on_commit(lambda: pay_order(place_order()))
    count = len(mailoutbox)
    assert count >= 3
    OutboxEmail.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert run_on_commit(lambda: resend_pending_emails.delay().result) == 0
    assert len(mailoutbox) == count
    statuses = OutboxEmail.objects.filter(order_id=order.pk).values_list("status", flat=True)
    assert set(statuses) == {OutboxEmail.Status.SENT}


def test_every_lifecycle_template_renders_in_both_languages():
    """Each template exists as subject, text and HTML, and renders with the context its notifier builds."""
    staff = UserFactory(is_staff=True)
    for language in ("en", "fr"):
        account = UserFactory(language=language)
        pay_order(place_order(account=account))
        order = pay_order(place_order(account=account))  # delivering
        checked = pay_order(place_order())
        order_request_documents(order_id=checked.pk, staff=staff, today=timezone.localdate())
        order.refresh_from_db()
        for notify in (
            notify_expiry_reminder,
            notify_order_delivered,
            notify_order_expired,
            notify_order_refused,
            notify_order_validated,
        ):
            notify(order)
        invoice_issue(order_id=order.pk)
    templates = set()
    for email in OutboxEmail.objects.all():
        message = _render(email)
        assert message.subject and "{{" not in message.body and "{%" not in message.body
        templates.add(email.template)
    assert templates >= {
        "order_placed",
        "payment_received",
        "documents_requested",
        "order_validated",
        "order_refused",
        "order_delivered",
        "expiry_reminder",
        "order_expired",
        "invoice_available",
    }
