"""Order tracking and the (read-only) withdrawal page: steps and history per status, polling only while a
step is DOING, the withdrawal deadline, what withdrawing would do, another customer's order as a 404, and
"Back to my orders" that only ever leads to the list.
"""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import LegalForm
from orders import lifecycle
from orders.services.delivery import order_deliver
from orders.services.validation import order_validate
from tests.support.factories import PlanFactory, PricingFactory, UserFactory, pay_order, place_order
from tests.support.orders import checking, unpaid
from tests.support.pages import tracking_url, withdraw_url

PARIS = ZoneInfo("Europe/Paris")
db = pytest.mark.django_db(databases=["default", "sandbox"])
POLLING = 'hx-trigger="every 15s"'


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# Orders in each status, built through the real services and lifecycle (unpaid and checking: tests.support.orders).
def delivering(user):
    order = checking(user)
    return order_validate(order_id=order.pk, staff=None)  # delivery is enqueued on commit: not here


def delivered(user):
    return order_deliver(order_id=delivering(user).pk)


def failed(user):
    return lifecycle.order_delivery_failed(order_id=delivering(user).pk, error="disk full")


def refused(user):
    return lifecycle.order_refuse(order_id=checking(user).pk)


def expired_unswept(user):
    return place_order(account=user, now=timezone.now() - timedelta(days=8))


def steps(html: str) -> list[tuple[str, str]]:
    return re.findall(
        r'class="step step-(\w+)">\s*<span class="step-name">[^<]*</span>\s*<span class="step-state">([^<]*)<', html
    )


@db
@pytest.mark.parametrize(
    ("build", "badge", "expected", "polls"),
    [
        (unpaid, "Unpaid", ["DOING", "TODO", "TODO", "TODO"], True),
        (checking, "Confirmation", ["DOING", "TODO", "TODO", "TODO"], True),
        (delivering, "Being processed", ["DONE", "DONE", "DOING", "TODO"], True),
        (delivered, "Complete", ["DONE", "DONE", "DONE", "DONE"], False),
        (failed, "Error", ["DONE", "DONE", "ERROR", "TODO"], False),
        (refused, "Cancelling…", ["ERROR", "TODO", "TODO", "TODO"], False),
        (expired_unswept, "Order expired", ["ERROR", "TODO", "TODO", "TODO"], False),
    ],
)
def test_follow_up_per_status(client, build, badge, expected, polls):
    user = UserFactory()
    order = build(user)
    client.force_login(user)
    html = client.get(tracking_url(order)).content.decode()
    words = {"DONE": "Done", "DOING": "In progress", "TODO": "To come", "ERROR": "Stopped"}
    assert steps(html) == [(state, words[state]) for state in expected]  # the state in words, not colour only
    assert f"Track order no. {order.number}" in html
    assert re.search(rf'<span class="badge badge-\w+">{badge}</span>', html)
    assert (POLLING in html) is polls
    assert "Your order has been processed" in html and "The product is available" in html


@db
def test_history_newest_first_with_labels_and_details_and_the_summary(client):
    user = UserFactory()
    hosting = PricingFactory(installation_fee=Decimal("5.00"))
    order = pay_order(place_order(account=user, pricings=[hosting]))
    client.force_login(user)
    html = client.get(tracking_url(order)).content.decode()
    labels = re.findall(r'<span class="event-label">([^<]*)</span>', html)
    assert labels == [
        "Checking your order",
        "Your order is being confirmed",
        "Payment validated",
        "Payment received",
        "Your order is being processed",
    ]
    assert "An additional processing time is required." in html  # FRAUD_MANUAL_REVIEW's detail
    assert "(Europe/Paris)" in html
    assert "Order summary" in html
    for line in order.lines.all():
        assert f"<li>{line.quantity} × {line.description}</li>" in html
    assert order.lines.count() == 2


@db
def test_the_progress_partial_polls_until_the_order_is_done(client):
    user = UserFactory()
    order = delivering(user)
    client.force_login(user)
    partial = client.get(tracking_url(order), headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="order-progress"') and "<html" not in partial
    assert POLLING in partial and f'hx-get="{tracking_url(order)}"' in partial and 'hx-swap="outerHTML"' in partial
    order_deliver(order_id=order.pk)
    done = client.get(tracking_url(order), headers={"HX-Request": "true"}).content.decode()
    assert "Complete" in done and "hx-trigger" not in done and "hx-get" not in done


@db
def test_deadline_shown_while_the_order_can_be_withdrawn(client):
    user = UserFactory()
    order = pay_order(place_order(account=user, now=at(2026, 3, 4, 9)), now=at(2026, 3, 4, 10))
    client.force_login(user)
    with time_machine.travel(at(2026, 3, 18, 23, 59), tick=False):
        html = client.get(tracking_url(order)).content.decode()
    assert "You can withdraw until the end of Wednesday, March 18, 2026 (Europe/Paris time)." in html
    assert f'href="{withdraw_url(order)}"' in html and "Withdraw from contract here" in html
    with time_machine.travel(at(2026, 3, 19, 0, 0), tick=False):
        html = client.get(tracking_url(order)).content.decode()
    assert "The withdrawal period has ended." in html and "You can withdraw" not in html
    assert "Withdraw from contract here" not in html


@db
def test_no_withdrawal_text_where_it_would_only_be_noise(client):
    user = UserFactory()
    order = unpaid(user)
    client.force_login(user)
    html = client.get(tracking_url(order)).content.decode()
    assert "Right of withdrawal" not in html and "Unpaid orders cannot be withdrawn" not in html


@db
@pytest.mark.parametrize("page", [tracking_url, withdraw_url], ids=["tracking", "withdraw"])
def test_another_customers_order_is_a_404(client, page):
    order = checking(UserFactory())
    client.force_login(UserFactory())
    assert client.get(page(order)).status_code == 404
    assert client.get(page(order), headers={"HX-Request": "true"}).status_code == 404


@db
@pytest.mark.parametrize("page", [tracking_url, withdraw_url], ids=["tracking", "withdraw"])
def test_pages_need_a_login(client, page):
    response = client.get(page(unpaid(UserFactory())))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@db
@pytest.mark.parametrize(
    ("back", "expected"),
    [
        ("status=checking&sort=amount&page=2", "/orders/?status=checking&amp;sort=amount&amp;page=2"),
        ("https://evil.example/", "/orders/"),
        ("//evil.example/orders/", "/orders/"),
        ("status=checking&next=https://evil.example/", "/orders/?status=checking"),
        ("status=javascript:alert(1)", "/orders/"),
        ("", "/orders/"),
    ],
)
@pytest.mark.parametrize("page", [tracking_url, withdraw_url], ids=["tracking", "withdraw"])
def test_back_to_my_orders_only_leads_to_the_list(client, page, back, expected):
    user = UserFactory()
    order = checking(user)
    client.force_login(user)
    html = client.get(page(order), {"back": back}).content.decode()
    assert f'<a href="{expected}">Back to my orders</a>' in html


# --- the withdrawal page -------------------------------------------------------------------------------


@db
def test_withdraw_page_of_an_eligible_order(client):
    user = UserFactory()
    order = pay_order(place_order(account=user, now=at(2026, 3, 4, 9)), now=at(2026, 3, 4, 10))
    client.force_login(user)
    with time_machine.travel(at(2026, 3, 10, 12), tick=False):
        response = client.get(withdraw_url(order))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Withdrawal of the service(s) from the order</h1>" in html
    assert "You can withdraw until the end of Wednesday, March 18, 2026 (Europe/Paris time)." in html
    line = order.lines.get()
    assert f"{line.quantity} × {line.description}" in html and "Withdrawn and refunded" in html
    assert html.count("€12.00") == 3  # the line, the total and the confirmation step
    assert "Total refund" in html
    assert "Right of withdrawal" in html and "Model withdrawal form" in html  # the official texts
    assert "We refund you within 14 days" in html
    assert "Confirm withdrawal" in html and "Yes, I want to cancel that order" in html


@db
@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (unpaid, "Unpaid orders cannot be withdrawn"),
        (refused, "This order is already cancelled or being cancelled."),
        (expired_unswept, "Unpaid orders cannot be withdrawn"),
    ],
)
def test_withdraw_page_of_an_ineligible_order_names_the_rule(client, build, reason):
    user = UserFactory()
    order = build(user)
    client.force_login(user)
    response = client.get(withdraw_url(order))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This order cannot be withdrawn." in html and reason in html
    assert "Model withdrawal form" not in html


@db
def test_withdraw_page_of_a_business_account(client):
    user = UserFactory(legal_form=LegalForm.CORPORATION, organisation="Acme")
    order = checking(user)
    client.force_login(user)
    html = client.get(withdraw_url(order)).content.decode()
    assert "The right of withdrawal is for individuals" in html


@db
def test_withdraw_page_says_why_an_excluded_line_stays(client):
    user = UserFactory()
    domain = PricingFactory(plan=PlanFactory(family="domain", excludable=True), duration="P12M", months=12)
    hosting = PricingFactory()
    order = pay_order(place_order(account=user, pricings=[domain, hosting], express_request=True))
    order_validate(order_id=order.pk, staff=None)
    order_deliver(order_id=order.pk)
    client.force_login(user)
    html = client.get(withdraw_url(order)).content.decode()
    assert "Stays: Delivered at your express request" in html
    assert len(re.findall(r"Withdrawn; 1 of (28|29|30|31) days used", html)) == 1  # delivered today
