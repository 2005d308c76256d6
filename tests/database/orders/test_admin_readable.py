"""The back office reads like the panel: amounts per currency (not "1437.600 EUR"), instants in the subsidiary's
zone with its name, the billing snapshot as an address; and the validation page holds what a validator needs to
decide a case: the case, why it is checked, the documents, the due date, the customer's history, and the three
decisions with what each does.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.groups import ensure_staff_groups
from orders.services.validation import order_refuse_and_refund
from tests.support.factories import (
    PricingFactory,
    SupportingDocumentFactory,
    UserFactory,
    pay_order,
    place_order,
    subsidiary,
)

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def vera(client):
    user = UserFactory(is_staff=True, username="vera", first_name="Vera", last_name="Valdez")
    user.groups.add(ensure_staff_groups()["validators"])
    client.force_login(user)
    return user


def senegal_case():
    """A customer's second order in XOF (no decimals), over the review threshold; the first was refused."""
    dakar = subsidiary("SN")
    account = UserFactory(subsidiary=dakar, country="SN", address="Avenue Senghor", city="Dakar", postcode="10200")
    pricing = PricingFactory(subsidiary=dakar, price=Decimal("380480"))
    vera = UserFactory(is_staff=True, first_name="Vera", last_name="Valdez")
    order_refuse_and_refund(
        order_id=pay_order(place_order(account=account, pricings=[pricing])).pk,
        staff=vera,
        note="Name does not match the card",
    )
    return pay_order(place_order(account=account, pricings=[pricing]))


def test_amounts_times_and_billing_read_as_the_panel_shows_them(admin_client):
    order = senegal_case()
    html = admin_client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert "448966.000" not in html and "XOF" not in html
    assert "448,966" in html  # 380 480 + 18 % VAT, no decimals
    assert "(Africa/Dakar)" in html

    page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "448966.000" not in page and "448,966" in page
    assert '"address": "Avenue Senghor"' not in page and "&quot;address&quot;" not in page
    assert "Avenue Senghor<br>10200 Dakar<br>Senegal" in page
    assert "(Africa/Dakar)" in page

    for name in ("payment", "refund"):
        listing = admin_client.get(reverse(f"admin:orders_{name}_changelist")).content.decode()
        assert "448966.000" not in listing and "448,966" in listing


def test_the_validation_page_holds_the_case_the_history_and_the_decisions(client, vera):
    order = senegal_case()
    SupportingDocumentFactory(order=order, uploaded_by=order.account, original_name="id-card.pdf")
    html = client.get(reverse("admin:orders_validationcase_change", args=[order.pk])).content.decode()
    summary = html[html.index('id="case-title"') : html.index('id="decision-title"')]
    assert f"Order {order.number}" in summary and "448,966" in summary
    assert "Amount at or above the review threshold" in summary  # why it is checked
    assert "Validation due" in summary and "id-card.pdf" in summary
    assert "Avenue Senghor<br>10200 Dakar<br>Senegal" in summary

    decision = html[html.index('id="decision-title"') : html.index('id="history-title"')]
    assert "The order is accepted and its delivery starts at once" in decision
    assert "supporting documents by" in decision and "refused and refunded automatically" in decision
    assert "448,966 refunded in full to" in decision
    assert 'class="button decision-refuse"' in decision and "deletelink" not in decision

    history = html[html.index('id="history-title"') :]
    first = order.account.orders.exclude(pk=order.pk).get()
    assert first.number in history and "Refused at validation" in history  # the earlier order
    assert "Order declined" in history and "Vera Valdez" in history and "Name does not match the card" in history
    assert history.count("448,966") >= 3  # the earlier order, and both payments
