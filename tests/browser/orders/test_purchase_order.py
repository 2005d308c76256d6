"""The purchase order page in a real browser, and the PDF it downloads."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.money import format_money
from orders.models import Cart
from tests.support.factories import PricingFactory, UserFactory, place_order
from tests.support.pages import pdf_text

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_browser_view_the_purchase_order_and_download_its_pdf(live_server, login_as, check_page):
    account = UserFactory(username="po-customer")
    order = place_order(account=account, pricings=[PricingFactory(price=Decimal("19.99"))])
    page = login_as("po-customer")
    page.goto(f"{live_server.url}{reverse('orders:purchase_order', args=[order.pk])}")
    assert page.get_by_role("heading", level=1).inner_text() == f"Purchase order no. {order.number}"
    assert page.get_by_text(format_money(order.total_gross, "EUR", "en")).count() >= 1
    check_page(page, "purchase-order")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"purchase-order-{order.number}.pdf"
    text = pdf_text(download.path().read_bytes())
    assert order.number in text and format_money(order.total_gross, "EUR", "en") in text
    page.set_viewport_size({"width": 375, "height": 800})
    check_page(page, "purchase-order-375")
    assert not Cart.objects.filter(account=account, checked_out_at__isnull=True).exists()
