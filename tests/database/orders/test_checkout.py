"""Carts and checkout: lines, VAT per line (OSS, reverse charge), totals per currency, evidence, once only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import LegalForm
from core.errors import Conflict, InvalidInput
from orders.models import Cart, Consent, Order, OrderLine
from orders.pricing import quote_items
from orders.services.carts import cart_add_item, cart_assign, cart_create
from orders.services.checkout import cart_checkout
from orders.services.consents import Evidence, order_waive_retraction
from tests.support.factories import PlanFactory, PricingFactory, UserFactory, place_order, subsidiary

pytestmark = pytest.mark.django_db
PANEL = Evidence(channel="panel", ip="203.0.113.7")


def _lines(order):
    return [(x.kind, x.quantity, x.unit_price, x.net_total, x.vat_amount, x.gross_amount) for x in order.lines.all()]


def test_eur_consumer_in_france_installation_and_duration_lines():
    pricing = PricingFactory(price=Decimal("29.99"), installation_fee=Decimal("49.99"))
    order = place_order(pricings=[pricing])
    assert _lines(order) == [
        ("DURATION", 1, Decimal("29.99"), Decimal("29.99"), Decimal("6.00"), Decimal("35.99")),
        ("INSTALLATION", 1, Decimal("49.99"), Decimal("49.99"), Decimal("10.00"), Decimal("59.99")),
    ]
    assert (order.total_net, order.total_vat, order.total_gross) == (
        Decimal("79.98"),
        Decimal("16.00"),
        Decimal("95.98"),
    )
    assert order.currency == "EUR" and not order.reverse_charge
    assert order.expires_at - order.created_at == timedelta(days=7)
    assert set(order.lines.values_list("group", flat=True)) == {1}


def test_oss_consumer_pays_the_vat_of_their_eu_country():
    account = UserFactory(country="DE")
    order = place_order(account=account, pricings=[PricingFactory(price=Decimal("100.00"))])
    assert order.lines.get().vat_rate == Decimal("0.19") and order.total_gross == Decimal("119.00")


def test_reverse_charge_for_a_business_with_another_eu_vat_number():
    account = UserFactory(
        country="DE", legal_form=LegalForm.CORPORATION, vat_number="DE123456789", organisation="Beispiel GmbH"
    )
    order = place_order(account=account, pricings=[PricingFactory(price=Decimal("100.00"))])
    assert order.reverse_charge and order.total_vat == 0 and order.total_gross == Decimal("100.00")
    assert order.billing["vat_number"] == "DE123456789"


def test_domestic_business_pays_domestic_vat():
    account = UserFactory(legal_form=LegalForm.CORPORATION, vat_number="FR40303265045")
    order = place_order(account=account, pricings=[PricingFactory(price=Decimal("100.00"))])
    assert not order.reverse_charge and order.total_vat == Decimal("20.00")


@pytest.mark.parametrize(
    ("code", "price", "quantity", "net", "vat", "gross"),
    [
        ("GB", Decimal("9.99"), 3, Decimal("29.97"), Decimal("5.99"), Decimal("35.96")),
        ("TN", Decimal("12.345"), 2, Decimal("24.690"), Decimal("4.691"), Decimal("29.381")),
        ("SN", Decimal("6555"), 3, Decimal("19665"), Decimal("3540"), Decimal("23205")),
        ("CA", Decimal("10.01"), 1, Decimal("10.01"), Decimal("1.30"), Decimal("11.31")),
        ("US", Decimal("10.00"), 1, Decimal("10.00"), Decimal("0.00"), Decimal("10.00")),
    ],
)
def test_totals_in_other_currencies(code, price, quantity, net, vat, gross):
    sub = subsidiary(code)
    account = UserFactory(subsidiary=sub, country=code)
    pricing = PricingFactory(subsidiary=sub, price=price)
    cart = cart_create(subsidiary_code=code)
    cart_add_item(cart=cart, plan_code=pricing.plan.plan_code, duration="P1M", quantity=quantity)
    cart_assign(cart=cart, account=account)
    order = cart_checkout(cart=cart, account=account, evidence=PANEL)
    assert order.currency == sub.currency
    assert (order.total_net, order.total_vat, order.total_gross) == (net, vat, gross)
    line = order.lines.get()
    assert line.unit_price == price and line.quantity == quantity


def test_order_level_reduction_is_allocated_so_lines_add_up():
    sub = subsidiary("FR")
    items = []
    cart = cart_create(subsidiary_code="FR")
    for price in ["10.00", "10.00", "10.00"]:
        pricing = PricingFactory(price=Decimal(price))
        items.append(cart_add_item(cart=cart, plan_code=pricing.plan.plan_code, duration="P1M"))
    quote = quote_items(items=items, subsidiary=sub, account=None, language="en", reduction=Decimal("10.00"))
    assert [line.reduction for line in quote.lines] == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert quote.total_reduction == Decimal("10.00") and quote.total_net == Decimal("20.00")
    assert sum(line.gross_amount for line in quote.lines) == quote.total_gross


def test_checkout_records_information_and_consents_with_the_exact_text():
    domain = PricingFactory(plan=PlanFactory(family="domain", excludable=True), duration="P1Y", months=12)
    order = place_order(pricings=[domain, PricingFactory()], express_request=True)
    kinds = set(order.consents.values_list("kind", flat=True))
    assert kinds == {Consent.Kind.INFORMATION_GIVEN, Consent.Kind.EXPRESS_REQUEST, Consent.Kind.EXCLUDABLE_ACK}
    consent = order.consents.get(kind=Consent.Kind.EXPRESS_REQUEST)
    assert consent.text and consent.text_version and consent.language == "en"
    assert consent.ip == "127.0.0.1" and consent.channel == "panel"
    assert order.withdrawal_info_given


def test_waiving_later_records_once():
    order = place_order()
    assert not order.consents.filter(kind=Consent.Kind.EXPRESS_REQUEST).exists()
    api = Evidence(channel="api", application_key="app-key", consumer_key="ck")
    order_waive_retraction(order=order, evidence=api, now=timezone.now())
    order_waive_retraction(order=order, evidence=api, now=timezone.now())
    consent = order.consents.get(kind=Consent.Kind.EXPRESS_REQUEST)
    assert consent.channel == "api" and consent.application_key == "app-key"
    assert not order.consents.filter(kind=Consent.Kind.EXCLUDABLE_ACK).exists()  # no excludable line
    assert order.events.filter(label="RETRACTION_WAIVED").count() == 1


def test_a_cart_is_checked_out_once():
    account = UserFactory()
    pricing = PricingFactory()
    cart = cart_create(subsidiary_code="FR")
    cart_add_item(cart=cart, plan_code=pricing.plan.plan_code, duration="P1M")
    cart_assign(cart=cart, account=account)
    cart_checkout(cart=cart, account=account, evidence=PANEL)
    with pytest.raises(Conflict):
        cart_checkout(cart=cart, account=account, evidence=PANEL)
    with pytest.raises(Conflict):
        cart_add_item(cart=cart, plan_code=pricing.plan.plan_code, duration="P1M")
    assert Order.objects.count() == 1


def test_checkout_refusals_change_nothing():
    account = UserFactory()
    cart = cart_create(subsidiary_code="FR")
    with pytest.raises(Conflict):  # not assigned
        cart_checkout(cart=cart, account=account, evidence=PANEL)
    cart_assign(cart=cart, account=account)
    with pytest.raises(InvalidInput):  # empty
        cart_checkout(cart=cart, account=account, evidence=PANEL)
    cart.refresh_from_db()
    assert not cart.read_only and Order.objects.count() == 0


def test_cart_input_errors_name_the_field():
    with pytest.raises(InvalidInput) as error:
        cart_create(subsidiary_code="XX")
    assert error.value.field == "ovhSubsidiary"
    cart = cart_create(subsidiary_code="fr")
    pricing = PricingFactory()
    for kwargs, field in [
        ({"plan_code": "nope", "duration": "P1M"}, "planCode"),
        ({"plan_code": pricing.plan.plan_code, "duration": "P7M"}, "duration"),
        ({"plan_code": pricing.plan.plan_code, "duration": "P1M", "quantity": 0}, "quantity"),
        ({"plan_code": pricing.plan.plan_code, "duration": "P1M", "quantity": True}, "quantity"),
    ]:
        with pytest.raises(InvalidInput) as error:
            cart_add_item(cart=cart, **kwargs)
        assert error.value.field == field
    assert not cart.items.exists()
    with pytest.raises(InvalidInput):
        cart_create(subsidiary_code="FR", expire=timezone.now() - timedelta(minutes=1))


def test_assigning_across_subsidiaries_or_accounts_is_refused():
    cart = cart_create(subsidiary_code="GB")
    with pytest.raises(Conflict):
        cart_assign(cart=cart, account=UserFactory())  # a FR account
    owner = UserFactory()
    cart = cart_create(subsidiary_code="FR")
    cart_assign(cart=cart, account=owner)
    with pytest.raises(Conflict):
        cart_assign(cart=cart, account=UserFactory())
    assert Cart.objects.get(pk=cart.pk).account == owner


def test_expired_cart_cannot_be_used():
    cart = cart_create(subsidiary_code="FR", now=timezone.now() - timedelta(days=2))
    with pytest.raises(Conflict):
        cart_add_item(cart=cart, plan_code=PricingFactory().plan.plan_code, duration="P1M")


def test_line_descriptions_follow_the_account_language():
    account = UserFactory(language="fr")
    pricing = PricingFactory(duration="P12M", months=12, installation_fee=Decimal("10"))
    order = place_order(account=account, pricings=[pricing])
    descriptions = list(order.lines.order_by("kind").values_list("description", flat=True))
    assert descriptions[0].startswith(pricing.plan.name_fr)
    assert OrderLine.objects.filter(order=order, kind="INSTALLATION").exists()
