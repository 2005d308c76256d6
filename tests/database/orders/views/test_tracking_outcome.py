"""The tracking page once the bill exists or the order stopped: the bill's event links to the bill (and only
appears with it), and an expired, refused or withdrawn order says above its steps what happened, each reason in
its own words, in English and French.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders import lifecycle
from orders.services.invoices import invoice_issue
from orders.services.validation import NO_DOCUMENTS_NOTE, order_refuse_and_refund
from tests.support.factories import UserFactory, place_order
from tests.support.orders import checking, unpaid, withdrawn_order
from tests.support.pages import french, tracking_url

db = pytest.mark.django_db(databases=["default", "sandbox"])


def page(client, order) -> str:
    client.force_login(order.account)
    return client.get(tracking_url(order)).content.decode()


def labels(html: str) -> list[str]:
    return re.findall(r'<span class="event-label">([^<]*)</span>', html)


def steps(html: str) -> list[str]:
    return re.findall(r'class="step step-(\w+)"', html)


@db
def test_the_bill_event_appears_with_the_bill_and_links_to_it(client):
    order = checking(UserFactory())
    html = page(client, order)
    assert "Your bill is available" not in html and "Billing section" not in html

    invoice = invoice_issue(order_id=order.pk)
    html = page(client, order)
    assert labels(html)[0] == "Your bill is available"
    assert f'<a href="/orders/{order.pk}/bill/">View or download bill {invoice.number}</a>' in html
    assert "Billing section" not in html


@db
def test_a_refusal_by_staff_says_so(client):
    vera = UserFactory(is_staff=True)
    order = order_refuse_and_refund(order_id=checking(UserFactory()).pk, staff=vera, note="Mismatch")
    html = page(client, order)
    assert "Order refused" in html
    assert "After checking, we could not accept this order." in html
    assert "another payment method" not in html and "supporting documents" not in html
    assert steps(html) == ["ERROR", "TODO", "TODO", "TODO"]


@db
def test_a_refusal_for_documents_never_sent_says_so(client):
    user = UserFactory(language="fr")
    order = checking(user)
    lifecycle.order_request_documents(order_id=order.pk, staff=None, today=order.created_at.date())
    order = order_refuse_and_refund(order_id=order.pk, note=NO_DOCUMENTS_NOTE)
    html = page(client, order)
    title = french("Order cancelled: supporting documents not received")
    assert title != "Order cancelled: supporting documents not received" and title in html
    detail = french(
        "We did not receive the supporting documents in time, so the order was cancelled. "
        "Your payment is refunded in full."
    )
    assert "Nous n’avons pas reçu les justificatifs" in detail and detail in html
    assert "autre moyen de paiement" not in html


@db
def test_an_expired_order_says_it_expired_and_what_to_do(client):
    order = place_order(account=UserFactory(), now=timezone.now() - timedelta(days=8))
    html = page(client, order)
    assert "This purchase order was not paid by" in html and "nothing was charged" in html
    assert "reorder it" in html
    assert "notice-title" not in page(client, unpaid(UserFactory()))  # still payable: nothing to tell


@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
def test_a_withdrawn_order_says_when_which_lines_and_where_the_refund_stands(client):
    order = withdrawn_order(UserFactory())
    refund = order.refunds.get()
    html = page(client, order)
    notice = html[html.index('id="notice-title"') : html.index('id="order-progress"')]
    assert "You withdrew from this order" in notice
    assert "Your withdrawal was received on" in notice and "(Europe/Paris)" in notice
    line = order.lines.get()
    assert f"<h3>Withdrawn</h3>\n      <ul><li>{line.quantity} × {line.description}</li></ul>" in notice
    assert refund.amount == Decimal("23.99")  # 19.99 and French VAT, all of it: nothing was delivered
    assert "€23.99 to Visa •••• 4242: <strong>Paid</strong>" in notice
    assert f"credit note {refund.credit_note.number}" in notice
    # The four steps stay, below what happened after them.
    assert html.index('id="notice-title"') < html.index('class="steps"')
    assert len(steps(html)) == 4
