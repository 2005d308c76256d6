"""Ordering pages: catalog of the account's subsidiary, cart, checkout with the withdrawal information and consents."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import LegalForm
from core.money import format_money
from orders.legal import legal_text, legal_version
from orders.models import Cart, CartItem, Consent, Order
from orders.services.carts import cart_quote
from orders.views.ordering import cart_view
from tests.support.factories import PlanFactory, PricingFactory, UserFactory, subsidiary
from tests.support.orders import cart_with, domain_pricing
from tests.support.pages import CART, CATALOG, CHECKOUT

ADD = reverse("ordering:cart_add")
IP = "203.0.113.9"


def _messages(response) -> list[str]:
    """The messages this response carries; read once, as a page showing them would."""
    found = [str(m) for m in get_messages(response.wsgi_request)]
    response.client.cookies.pop("messages", None)
    return found


def _shown(html: str, text: str) -> bool:
    """Whether a legal text is on the page, as `linebreaks` renders it (paragraphs, <br> inside them)."""
    return all(escape(paragraph).replace("\n", "<br>") in html for paragraph in text.split("\n\n"))


def _checkout_post(client, cart, **consents):
    page = client.get(CHECKOUT)
    data = {"cart": str(cart.pk), "revision": page.context["cart_view"].revision}
    data.update({name: "on" for name, ticked in consents.items() if ticked})
    return client.post(CHECKOUT, data, REMOTE_ADDR=IP)


# --- catalog -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_catalog_needs_a_login(client):
    response = client.get(CATALOG)
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.django_db
def test_catalog_lists_only_the_subsidiary_plans_in_its_currency(client):
    fr_plan = PricingFactory(price=Decimal("10.00"), installation_fee=Decimal("49.99")).plan
    PricingFactory(plan=fr_plan, duration="P12M", months=12, pricing_mode="upfront12", price=Decimal("100.00"))
    tn_plan = PricingFactory(subsidiary=subsidiary("TN"), price=Decimal("12.345")).plan
    retired = PricingFactory(plan=PlanFactory(active=False)).plan

    fr = UserFactory()
    client.force_login(fr)
    html = client.get(CATALOG).content.decode()
    assert fr_plan.name_en in html and tn_plan.name_en not in html and retired.name_en not in html
    assert "Web hosting" in html and "1 month" in html and "12 months" in html
    assert "Pricing mode: upfront12" in html and "Pricing mode: default" not in html
    assert "€10.00" in html and "€12.00" in html  # excl. VAT, and incl. 20 % VAT
    assert "€49.99" in html and "€59.99" in html  # the installation fee, both ways

    client.force_login(UserFactory(subsidiary=subsidiary("TN")))
    html = client.get(CATALOG).content.decode()
    assert tn_plan.name_en in html and fr_plan.name_en not in html
    assert "TND12.345" in html and "TND14.691" in html  # 3 decimals; 12.345 + 19 % VAT (2.346)
    assert "€" not in html


@pytest.mark.django_db
def test_catalog_names_plans_in_the_reader_language(client):
    pricing = PricingFactory()
    client.force_login(UserFactory(language="fr"))
    html = client.get(CATALOG).content.decode()
    assert pricing.plan.name_fr in html and "10,00\xa0€" in html


@pytest.mark.django_db
def test_catalog_queries_are_constant_in_the_number_of_plans(client, django_assert_max_num_queries):
    account = UserFactory()
    client.force_login(account)
    cart_with(account, PricingFactory())

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CATALOG).status_code == 200
        return len(queries)

    few = count()
    for _ in range(30):
        plan = PricingFactory().plan
        PricingFactory(plan=plan, duration="P12M", months=12)
    domain_pricing()
    assert count() == few
    with django_assert_max_num_queries(10):
        client.get(CATALOG)


# --- cart --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_adding_creates_the_account_cart_once_and_redirects(client):
    account = UserFactory()
    pricing = PricingFactory()
    client.force_login(account)

    response = client.post(ADD, {"pricing": pricing.pk, "quantity": "3"})
    assert response.status_code == 302 and response["Location"] == CART
    assert f"{pricing.plan.name_en} has been added to your cart." in _messages(response)
    client.post(ADD, {"pricing": pricing.pk, "quantity": "1"})

    cart = Cart.objects.get()
    assert cart.account == account and cart.subsidiary_id == "FR" and not cart.read_only
    assert list(cart.items.values_list("pricing", "quantity")) == [(pricing.pk, 3), (pricing.pk, 1)]
    assert not client.session.get("cart")  # nothing about the cart lives in the session


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pricing": "999999", "quantity": "1"}, "This offer is not available in your subsidiary."),
        ({"pricing": "abc", "quantity": "1"}, "This offer is not available in your subsidiary."),
        ({"quantity": "1"}, "Choose an offer to add to your cart."),
        ({"pricing": "TN", "quantity": "1"}, "This offer is not available in your subsidiary."),
        ({"pricing": "RETIRED", "quantity": "1"}, "This offer is not available in your subsidiary."),
        ({"pricing": "FR", "quantity": "0"}, "The quantity must be a whole number from 1 to 100."),
        ({"pricing": "FR", "quantity": "101"}, "The quantity must be a whole number from 1 to 100."),
        ({"pricing": "FR", "quantity": "2.5"}, "The quantity must be a whole number from 1 to 100."),
        ({"pricing": "FR", "quantity": ""}, "The quantity must be a whole number from 1 to 100."),
    ],
)
def test_adding_invalid_input_changes_nothing(client, data, message):
    pricings = {
        "FR": PricingFactory(),
        "TN": PricingFactory(subsidiary=subsidiary("TN")),
        "RETIRED": PricingFactory(plan=PlanFactory(active=False)),
    }
    if data.get("pricing") in pricings:
        data = {**data, "pricing": pricings[data["pricing"]].pk}
    client.force_login(UserFactory())
    response = client.post(ADD, data)
    assert response.status_code == 302 and response["Location"] == CATALOG
    assert _messages(response) == [message]
    assert not Cart.objects.exists() and not CartItem.objects.exists()


@pytest.mark.django_db
def test_adding_with_htmx_returns_the_cart_summary(client):
    pricing = PricingFactory()
    client.force_login(UserFactory())
    response = client.post(ADD, {"pricing": pricing.pk, "quantity": "2"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="cart-summary"')
    assert "<html" not in html and "has been added to your cart" in html and "€20.00" in html

    response = client.post(ADD, {"pricing": pricing.pk, "quantity": "0"}, headers={"HX-Request": "true"})
    assert 'role="alert"' in response.content.decode() and CartItem.objects.count() == 1


@pytest.mark.django_db
def test_cart_totals_are_the_quote(client):
    account = UserFactory(country="DE")  # OSS: the consumer pays German VAT
    cart = cart_with(
        account,
        PricingFactory(price=Decimal("29.99"), installation_fee=Decimal("49.99")),
        domain_pricing(),
        quantity=2,
    )
    client.force_login(account)
    response = client.get(CART)
    html = response.content.decode()
    quote = cart_quote(cart=cart, language="en")
    assert response.context["cart_view"].quote == quote
    for amount in (quote.total_net, quote.total_vat, quote.total_gross):
        assert format_money(amount, "EUR", "en") in html
    assert "VAT (19%)" in html
    for line in quote.lines:
        assert escape(line.description) in html
    assert "reverse charge" not in html


@pytest.mark.django_db
def test_cart_states_the_reverse_charge(client):
    account = UserFactory(country="DE", legal_form=LegalForm.CORPORATION, vat_number="DE123456789")
    cart_with(account, PricingFactory())
    client.force_login(account)
    assert "VAT reverse charge" in client.get(CART).content.decode()


@pytest.mark.django_db
def test_expired_and_checked_out_carts_are_not_current(client):
    account = UserFactory()
    pricing = PricingFactory()
    old = cart_with(account, pricing)
    Cart.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(account)
    assert "Your cart is empty." in client.get(CART).content.decode()
    client.post(ADD, {"pricing": pricing.pk, "quantity": "1"})
    assert Cart.objects.count() == 2 and old.items.count() == 1


@pytest.mark.django_db
def test_removing_an_item(client):
    account = UserFactory()
    cart = cart_with(account, PricingFactory(), PricingFactory())
    first, second = cart.items.all()
    client.force_login(account)

    response = client.post(reverse("ordering:cart_remove", args=[first.pk]))
    assert response["Location"] == CART and _messages(response) == ["The item has been removed from your cart."]
    assert list(cart.items.all()) == [second]

    response = client.post(reverse("ordering:cart_remove", args=[second.pk]), headers={"HX-Request": "true"})
    assert "Your cart is empty." in response.content.decode() and not cart.items.exists()


@pytest.mark.django_db
def test_removing_invalid_items_changes_nothing(client):
    account, other = UserFactory(), UserFactory()
    mine = cart_with(account, PricingFactory()).items.get()
    theirs = cart_with(other, PricingFactory()).items.get()
    client.force_login(account)

    response = client.post(reverse("ordering:cart_remove", args=[theirs.pk]))
    assert _messages(response) == [f"This cart has no item {theirs.pk}."]
    assert client.get(reverse("ordering:cart_remove", args=[mine.pk])).status_code == 405
    assert CartItem.objects.count() == 2

    client.force_login(UserFactory())  # no cart at all
    response = client.post(reverse("ordering:cart_remove", args=[mine.pk]))
    assert _messages(response) == ["Your cart is empty."] and CartItem.objects.count() == 2


# --- checkout ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_checkout_shows_the_withdrawal_information_before_the_order(client):
    account = UserFactory()
    cart_with(account, PricingFactory())
    client.force_login(account)
    response = client.get(CHECKOUT)
    html = response.content.decode()
    for key in ("withdrawal_information", "withdrawal_form", "scope", "refund_terms", "consent_information_given"):
        assert _shown(html, legal_text(key, "en", account.subsidiary)), key
    assert "<details" in html and escape(legal_text("consent_express_request", "en")) in html
    box = re.search(r'<input type="checkbox" name="express_request"[^>]*>', html).group(0)
    assert "checked" not in box and "required" not in box  # optional, and not ticked in advance
    assert 'name="excludable_ack"' not in html  # no domain or SSL certificate in this cart
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_checkout_in_french(client):
    account = UserFactory(language="fr")
    cart_with(account, domain_pricing())
    client.force_login(account)
    html = client.get(CHECKOUT).content.decode()
    assert _shown(html, legal_text("withdrawal_information", "fr", account.subsidiary))
    assert _shown(html, legal_text("withdrawal_form", "fr", account.subsidiary))
    assert escape(legal_text("consent_excludable_ack", "fr")) in html


@pytest.mark.django_db
def test_empty_cart_cannot_be_checked_out(client):
    account = UserFactory()
    client.force_login(account)
    response = client.get(CHECKOUT)
    assert response["Location"] == CART and _messages(response) == ["Your cart is empty."]

    cart = cart_with(account)  # a cart, but nothing in it
    revision = cart_view(cart=cart, language="en").revision
    response = client.post(CHECKOUT, {"cart": str(cart.pk), "revision": revision}, REMOTE_ADDR=IP)
    assert response["Location"] == CART and _messages(response) == ["The cart is empty."]
    cart.refresh_from_db()
    assert not Order.objects.exists() and not cart.read_only


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("consents", "errors"),
    [
        ({}, ["tick this acknowledgement", "tick this request too"]),
        ({"express_request": True}, ["tick this acknowledgement"]),
        ({"excludable_ack": True}, ["tick this request too"]),
    ],
)
def test_domain_needs_the_acknowledgement_and_the_request(client, consents, errors):
    account = UserFactory()
    cart = cart_with(account, PricingFactory(), domain_pricing())
    client.force_login(account)
    html = client.get(CHECKOUT).content.decode()
    assert re.search(r'<input type="checkbox" name="excludable_ack"[^>]*required', html)

    response = _checkout_post(client, cart, **consents)
    html = response.content.decode()
    assert response.status_code == 200 and all(error in html for error in errors)
    assert 'aria-invalid="true"' in html
    cart.refresh_from_db()
    assert not Order.objects.exists() and not Consent.objects.exists() and not cart.read_only


@pytest.mark.django_db
def test_checkout_records_the_consents_as_evidence(client):
    account = UserFactory()
    cart = cart_with(account, PricingFactory(), domain_pricing())
    client.force_login(account)

    response = _checkout_post(client, cart, express_request=True, excludable_ack=True)
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:purchase_order", kwargs={"order_id": order.pk})
    [message] = _messages(response)
    assert f"Your purchase order {order.number} has been created." in message
    assert f'href="{reverse("orders:pay", kwargs={"order_id": order.pk})}"' in message

    consents = {consent.kind: consent for consent in order.consents.all()}
    assert set(consents) == {Consent.Kind.INFORMATION_GIVEN, Consent.Kind.EXPRESS_REQUEST, Consent.Kind.EXCLUDABLE_ACK}
    for consent in consents.values():
        assert consent.text == legal_text(consent.text_key, "en")
        assert consent.text_version == legal_version(consent.text_key)
        assert (consent.ip, consent.channel, consent.language) == (IP, "panel", "en")
    assert order.withdrawal_info_given and order.cart == cart


@pytest.mark.django_db
def test_behind_the_proxy_the_evidence_is_the_customers_address_not_the_proxys(client, settings):
    settings.CLIENT_IP_META = "HTTP_X_FORWARDED_FOR"  # as docs/deployment.md sets it behind the proxy
    account = UserFactory()
    cart = cart_with(account, PricingFactory())
    client.force_login(account)
    page = client.get(CHECKOUT)
    data = {"cart": str(cart.pk), "revision": page.context["cart_view"].revision}
    client.post(CHECKOUT, data, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.7, {IP}")
    assert set(Order.objects.get().consents.values_list("ip", flat=True)) == {IP}  # the address the proxy added


@pytest.mark.django_db
def test_express_request_is_optional_for_other_plans(client):
    account = UserFactory()
    cart = cart_with(account, PricingFactory())
    client.force_login(account)
    _checkout_post(client, cart)
    order = Order.objects.get()
    assert list(order.consents.values_list("kind", flat=True)) == [Consent.Kind.INFORMATION_GIVEN]


@pytest.mark.django_db
def test_a_double_post_creates_one_order(client):
    account = UserFactory()
    cart = cart_with(account, PricingFactory())
    client.force_login(account)
    data = {"cart": str(cart.pk), "revision": client.get(CHECKOUT).context["cart_view"].revision}

    first = client.post(CHECKOUT, data, REMOTE_ADDR=IP)
    assert "has been created" in _messages(first)[0]
    second = client.post(CHECKOUT, data, REMOTE_ADDR=IP)
    order = Order.objects.get()
    assert first["Location"] == second["Location"] == reverse("orders:purchase_order", kwargs={"order_id": order.pk})
    assert _messages(second) == [f"Your purchase order {order.number} has already been created."]
    assert order.consents.count() == 1


@pytest.mark.django_db
def test_a_cart_changed_after_display_is_not_ordered(client):
    account = UserFactory()
    pricing = PricingFactory()
    cart = cart_with(account, pricing)
    client.force_login(account)
    data = {"cart": str(cart.pk), "revision": client.get(CHECKOUT).context["cart_view"].revision}
    client.post(ADD, {"pricing": pricing.pk, "quantity": "1"})  # in another tab

    response = client.post(CHECKOUT, data, REMOTE_ADDR=IP)
    html = response.content.decode()
    assert response.status_code == 200 and "Your cart changed after this page was displayed" in html
    assert not Order.objects.exists()

    revision = re.search(r'name="revision" value="([^"]+)"', html).group(1)
    client.post(CHECKOUT, {**data, "revision": revision}, REMOTE_ADDR=IP)  # confirmed, as now displayed
    assert Order.objects.get().lines.count() == 2


@pytest.mark.django_db
def test_checkout_refuses_expired_and_foreign_carts(client):
    account, other = UserFactory(), UserFactory()
    cart = cart_with(account, PricingFactory())
    theirs = cart_with(other, PricingFactory())
    client.force_login(account)
    revision = client.get(CHECKOUT).context["cart_view"].revision

    response = client.post(CHECKOUT, {"cart": str(theirs.pk), "revision": revision}, REMOTE_ADDR=IP)
    assert _messages(response) == ["This cart could not be found. Check your cart and try again."]
    response = client.post(CHECKOUT, {"cart": "not-a-uuid", "revision": revision}, REMOTE_ADDR=IP)
    assert response["Location"] == CART and len(_messages(response)) == 1

    Cart.objects.filter(pk=cart.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(CHECKOUT, {"cart": str(cart.pk), "revision": revision}, REMOTE_ADDR=IP)
    assert response["Location"] == CART and _messages(response) == ["This cart has expired."]
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_business_accounts_see_no_withdrawal_block(client):
    account = UserFactory(legal_form=LegalForm.CORPORATION, organisation="Acme SAS", vat_number="FR40303265045")
    cart = cart_with(account, domain_pricing())
    client.force_login(account)
    html = client.get(CHECKOUT).content.decode()
    assert "the right of withdrawal protects consumers only" in html
    assert not _shown(html, legal_text("withdrawal_information", "en", account.subsidiary))
    assert "<details" not in html and 'type="checkbox"' not in html

    _checkout_post(client, cart, express_request=True, excludable_ack=True)  # boxes it was never shown
    order = Order.objects.get()
    assert not order.consents.exists() and not order.withdrawal_info_given  # businesses have no such right


# --- domain names ------------------------------------------------------------------------------


def _shop_domain_pricing():
    plan = PlanFactory(plan_code="shop", family="domain", excludable=True, name_en="Domain name .shop")
    return PricingFactory(plan=plan, duration="P12M", months=12, price=Decimal("6.99"))


@pytest.mark.django_db
def test_the_catalog_asks_the_registry_about_a_domain_name_with_and_without_htmx(client):
    pricing = _shop_domain_pricing()
    client.force_login(UserFactory())
    html = client.get(CATALOG).content.decode()
    assert 'id="domain-search"' in html and 'href="#domain-search"' in html  # no plain "Add to cart" for domains
    assert f'name="pricing" value="{pricing.pk}"' not in html

    page = client.get(CATALOG, {"domain": " My-Shop.SHOP "}).content.decode()  # without JavaScript: the whole page
    assert "<html" in page and "my-shop.shop is available." in page
    assert f'name="pricing" value="{pricing.pk}"' in page and 'name="domain" value="my-shop.shop"' in page
    assert "Add my-shop.shop to cart (12 months, €6.99 excl. VAT)" in page

    partial = client.get(CATALOG, {"domain": "taken.shop"}, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="domain-search"') and "<html" not in partial
    assert "taken.shop is not available" in partial and 'name="pricing"' not in partial
    invalid = client.get(CATALOG, {"domain": "my shop"}, headers={"HX-Request": "true"}).content.decode()
    assert "is not a valid domain name" in invalid
    unsold = client.get(CATALOG, {"domain": "my-shop.xyz"}, headers={"HX-Request": "true"}).content.decode()
    assert "Domain names ending in .xyz are not sold here." in unsold


@pytest.mark.django_db
def test_a_domain_is_added_to_the_cart_only_with_a_free_name(client):
    pricing = _shop_domain_pricing()
    account = UserFactory()
    client.force_login(account)

    response = client.post(ADD, {"pricing": pricing.pk, "quantity": "1"})
    assert response["Location"] == CATALOG
    assert _messages(response) == ["Choose a domain name and check that it is available first."]
    response = client.post(ADD, {"pricing": pricing.pk, "quantity": "1", "domain": "www.shop"})
    assert _messages(response) == ["The domain name www.shop is not available."]
    assert not CartItem.objects.exists()

    response = client.post(ADD, {"pricing": pricing.pk, "quantity": "1", "domain": "My-Shop.shop"})
    assert response["Location"] == CART and _messages(response) == ["my-shop.shop has been added to your cart."]
    assert list(CartItem.objects.values_list("domain", "quantity")) == [("my-shop.shop", 1)]
    assert "Domain name .shop: my-shop.shop" in client.get(CART).content.decode()
    response = client.post(ADD, {"pricing": pricing.pk, "quantity": "1", "domain": "my-shop.shop"})
    assert _messages(response) == ["The domain name my-shop.shop is already in your cart."]
