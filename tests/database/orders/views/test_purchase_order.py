"""The purchase order page and its PDF: content, snapshot, VAT, access, the fetcher (in a browser: tests/browser/)."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.models import LegalForm, PaymentMethod
from core.money import format_money
from orders.pdf import FETCHER, render_pdf, static_name
from orders.templatetags.panel import ldate, ldatetime
from payments.kinds import PaymentKind
from tests.support.factories import PlanFactory, PricingFactory, UserFactory, place_order, subsidiary
from tests.support.pages import pdf_text

pytestmark = pytest.mark.django_db

REVERSE_CHARGE = "VAT reverse charge: VAT to be accounted for by the customer (Article 196 of Directive 2006/112/EC)."


def page_text(response) -> str:
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))  # keeps Babel's no-break spaces


@pytest.fixture
def order(db):
    account = UserFactory(first_name="Alice", last_name="Martin", organisation="", vat_number="")
    pricings = [
        PricingFactory(plan=PlanFactory(name_en="Web Hosting Pro"), price=Decimal("9.99")),
        PricingFactory(
            plan=PlanFactory(name_en="Domain example.com"), price=Decimal("12.00"), duration="P12M", months=12
        ),
    ]
    PaymentMethod.objects.create(
        account=account,
        kind=PaymentKind.CARD,
        label="Visa •••• 4242",
        token="t1",
        is_default=True,
        expires_on=timezone.localdate() + timedelta(days=400),
    )
    PaymentMethod.objects.create(
        account=account,
        kind=PaymentKind.CARD,
        label="Visa •••• 1111",
        token="t2",
        expires_on=timezone.localdate() - timedelta(days=1),
    )
    return place_order(account=account, pricings=pricings)


def test_the_purchase_order_shows_number_dates_billing_lines_totals_and_payment_methods(client, order):
    account = order.account
    account.address, account.city, account.postcode = "9 avenue Nouvelle", "Lyon", "69001"
    account.save()  # the order keeps the billing details frozen at checkout
    client.force_login(account)
    response = client.get(reverse("orders:purchase_order", args=[order.pk]))
    assert response.status_code == 200
    text = page_text(response)
    tz = order.subsidiary.time_zone
    assert f"Purchase order no. {order.number}" in text
    assert ldate(order.created_at, tz) in text and ldatetime(order.expires_at, tz) in text
    assert "If it has expired, you will have to reorder." in text
    assert "Alice Martin" in text and "1 rue de la Paix" in text and "75002 Paris" in text and "France" in text
    assert account.handle in text and "Lyon" not in text
    assert "Control Panel Hosting France SAS (demo)" in text and "FR40900000001" in text  # the seller: its subsidiary
    for line in order.lines.all():
        assert line.description in text
    assert "20%" in text
    for amount in (order.total_net, order.total_vat, order.total_gross, Decimal("2.00"), Decimal("12.00")):
        assert format_money(amount, "EUR", "en") in text
    assert format_money(order.total_gross, "EUR", "en") == "€26.39"
    assert "Unpaid" in text and REVERSE_CHARGE not in text
    assert "Visa •••• 4242" in text and "Valid" in text and "Visa •••• 1111" in text and "Expired" in text
    assert "Credit card" in text and "SEPA direct debit" in text and "PayPal" in text
    assert "Bank transfer" not in text  # not offered to individuals
    assert f'href="{reverse("orders:pay", args=[order.pk])}"' in text
    assert f'href="{reverse("orders:purchase_order_pdf", args=[order.pk])}"' in text


def test_reverse_charge_is_stated_for_a_business_with_another_eu_vat_number(client):
    business = UserFactory(
        legal_form=LegalForm.CORPORATION,
        organisation="Beispiel GmbH",
        country="DE",
        vat_number="DE123456789",
        address="Hauptstraße 1",
        postcode="10115",
        city="Berlin",
    )
    order = place_order(account=business)
    assert order.reverse_charge and order.total_vat == 0
    client.force_login(business)
    text = page_text(client.get(reverse("orders:purchase_order", args=[order.pk])))
    assert REVERSE_CHARGE in text
    assert "Beispiel GmbH" in text and "DE123456789" in text and "Germany" in text and "0%" in text
    assert "Bank transfer" in text  # offered to businesses


def test_tunisian_dinars_show_three_decimals(client):
    account = UserFactory(subsidiary=subsidiary("TN"), country="TN")
    order = place_order(
        account=account, pricings=[PricingFactory(subsidiary=subsidiary("TN"), price=Decimal("10.125"))]
    )
    client.force_login(account)
    text = page_text(client.get(reverse("orders:purchase_order", args=[order.pk])))
    total = format_money(order.total_gross, "TND", "en")
    assert re.search(r"\d\.\d{3}$", total) and total in text
    assert format_money(Decimal("10.125"), "TND", "en") in text


def test_an_expired_order_offers_reorder_instead_of_pay(client):
    order = place_order(now=timezone.now() - timedelta(days=8))
    client.force_login(order.account)
    text = page_text(client.get(reverse("orders:purchase_order", args=[order.pk])))
    assert "Order expired" in text and reverse("orders:reorder", args=[order.pk]) in text
    assert reverse("orders:pay", args=[order.pk]) not in text


def test_only_the_owner_or_staff_with_the_permission_opens_it(client, order):
    url, pdf_url = (reverse(name, args=[order.pk]) for name in ("orders:purchase_order", "orders:purchase_order_pdf"))
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404 and client.get(pdf_url).status_code == 404
    client.force_login(UserFactory(is_staff=True))  # staff without the view permission
    assert client.get(url).status_code == 404
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_order", content_type__app_label="orders"))
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200 and "Alice Martin" in page_text(response)
    assert reverse("orders:pay", args=[order.pk]) not in page_text(response)  # staff read, the owner pays
    assert client.get(pdf_url).status_code == 200


def test_queries_do_not_grow_with_the_lines(client, django_assert_max_num_queries):
    account = UserFactory()
    small = place_order(account=account)
    large = place_order(account=account, pricings=[PricingFactory() for _ in range(8)])
    client.force_login(account)
    for order in (small, large):
        with django_assert_max_num_queries(7):  # 6 on SQLite: no page cache, hence no fingerprint
            assert client.get(reverse("orders:purchase_order", args=[order.pk])).status_code == 200


def test_the_pdf_is_an_attachment_with_the_number_and_total(client, order):
    client.force_login(order.account)
    response = client.get(reverse("orders:purchase_order_pdf", args=[order.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="purchase-order-{order.number}.pdf"'
    text = pdf_text(response.content)
    assert f"Purchase order no. {order.number}" in text
    assert format_money(order.total_gross, "EUR", "en") in text
    assert "If it has expired, you will have to reorder." in text
    assert "Download PDF" not in text and "Log out" not in text  # no navigation, no buttons


def test_the_fetcher_serves_our_static_files_and_refuses_anything_else():
    css = FETCHER.fetch("https://document.invalid/static/css/document.css")
    assert css.content_type == "text/css" and b".po-document" in css.read()
    for url in (
        "https://example.com/static/css/document.css",
        "http://127.0.0.1:8000/static/css/app.css",
        "file:///etc/passwd",
        "https://document.invalid/static/../controlpanel/settings.py",
        "https://document.invalid/static/%2e%2e/manage.py",
        "https://document.invalid/media/private.pdf",
        "data:text/css,body{}",
    ):
        with pytest.raises(ValueError):
            FETCHER.fetch(url)
    assert static_name("https://document.invalid/static/css/app.css") == "css/app.css"


def test_an_external_url_in_a_document_is_never_fetched(monkeypatch):
    fetched = []
    monkeypatch.setattr("urllib.request.OpenerDirector.open", lambda *args, **kwargs: fetched.append(args))
    html = '<html><body><img src="https://example.com/x.png"><link rel="stylesheet" href="/etc/x.css">Hi</body></html>'
    assert render_pdf(html=html).startswith(b"%PDF")
    assert not fetched
