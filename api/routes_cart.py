"""/order/cart: carts created without auth, filled, assigned, quoted and checked out through the services.

A cart with an account is visible only to that account's keys; an anonymous cart to anyone who has its
id, as OVHcloud's. Another account's cart does not exist for the caller (404).
"""

import logging
import uuid
from datetime import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import PaymentMethod
from catalog.models import Plan, Pricing
from catalog.selectors import sold_alone
from core.errors import InvalidInput, OrderError
from orders.configurations import configurations_list
from orders.models import Cart, CartItem
from orders.services.carts import (
    cart_add_item,
    cart_assign,
    cart_create,
    cart_item_change_configurations,
    cart_quote,
    cart_remove_item,
    cart_update,
    cart_update_item,
)
from orders.services.carts import (
    cart_delete as cart_delete_service,
)
from orders.services.checkout import cart_checkout
from orders.services.payments import order_pay
from payments.gateway import GatewayError

from . import errors
from .params import Params, parse_body, query
from .routes_orders import api_evidence
from .serializers import (
    PRODUCTS,
    cart_item_json,
    cart_json,
    offers_json,
    placed_order_json,
    quote_json,
)
from .throttle import cart_creation_limit, check_rate

logger = logging.getLogger("api")


def cart_language(request, caller, cart: Cart) -> str:
    """The account's language; anonymously, the Accept-Language asked for, else the subsidiary's."""
    if caller.account is not None:
        return caller.account.language
    if request.headers.get("Accept-Language"):
        return translation.get_language() or cart.subsidiary.language
    return cart.subsidiary.language


def get_cart(caller, cart_id: str, *, now: datetime | None = None) -> Cart:
    """The cart if the caller may see it, else 404."""
    now = now or timezone.now()
    try:
        pk = uuid.UUID(cart_id)
    except ValueError:
        raise errors.not_found("This cart does not exist") from None
    cart = Cart.objects.select_related("subsidiary", "account").filter(pk=pk).first()
    if cart is None:
        raise errors.not_found("This cart does not exist")
    if cart.account_id is not None and (caller.account is None or cart.account_id != caller.account.pk):
        raise errors.not_found("This cart does not exist")
    if not cart.read_only and cart.expires_at <= now:
        raise errors.not_found("This cart has expired")
    return cart


def product_family(product: str) -> str:
    family = PRODUCTS.get(product)
    if family is None:
        raise errors.not_found(f"Unknown product {product}")
    return family


# --- the cart itself ---------------------------------------------------------------------------------------


def cart_list(request, caller):
    params = query(request)
    description = params.string("description")
    carts = Cart.objects.filter(account=caller.account, checked_out_at__isnull=True, expires_at__gt=timezone.now())
    if description is not None:
        carts = carts.filter(description=description)
    return [str(pk) for pk in carts.order_by("created_at", "pk").values_list("pk", flat=True)]


def cart_create_route(request, caller):
    if not caller.authenticated:
        check_rate(request, scope="cart-create", limit=cart_creation_limit())
    body = Params(parse_body(request))
    subsidiary = body.string("ovhSubsidiary", required=True, max_length=10)
    description = body.string("description", default="", max_length=200)
    expire = body.datetime("expire")
    cart = cart_create(subsidiary_code=subsidiary, description=description, expire=expire)
    return cart_json(cart)


def cart_get(request, caller, cart_id: str):
    return cart_json(get_cart(caller, cart_id))


def cart_put(request, caller, cart_id: str):
    cart = get_cart(caller, cart_id)
    body = Params(parse_body(request))
    description = body.string("description", max_length=200)
    expire = body.datetime("expire")
    cart = cart_update(cart=cart, description=description, expire=expire)
    return cart_json(cart)


def cart_delete(request, caller, cart_id: str):
    """Delete the cart; a placed order keeps everything it needs (its lines and totals)."""
    cart_delete_service(cart=get_cart(caller, cart_id))
    return None


def cart_assign_route(request, caller, cart_id: str):
    cart = get_cart(caller, cart_id)
    parse_body(request)
    cart_assign(cart=cart, account=caller.account)
    return None


# --- offers and items -------------------------------------------------------------------------------------


def product_offers(request, caller, cart_id: str, product: str):
    cart = get_cart(caller, cart_id)
    family = product_family(product)
    params = query(request)
    plan_code = params.string("planCode", max_length=64)
    plans = sold_alone(Plan.objects.filter(family=family, active=True))
    pricings = Pricing.objects.select_related("plan").filter(subsidiary=cart.subsidiary, plan__in=plans)
    if plan_code:
        pricings = pricings.filter(plan__plan_code=plan_code)
    pricings = pricings.order_by("plan__plan_code", "months", "pricing_mode", "pk")
    return offers_json(list(pricings), cart.subsidiary, cart_language(request, caller, cart))


def product_add(request, caller, cart_id: str, product: str):
    cart = get_cart(caller, cart_id)
    family = product_family(product)
    body = Params(parse_body(request))
    plan_code = body.string("planCode", required=True, max_length=64)
    duration = body.string("duration", required=True, max_length=8)
    pricing_mode = body.string("pricingMode", default="default", max_length=20)
    quantity = body.integer("quantity", default=1)
    if not Plan.objects.filter(plan_code=plan_code, family=family, active=True).exists():
        raise InvalidInput(
            _("Unknown plan “%(code)s” for %(product)s.") % {"code": plan_code, "product": product}, field="planCode"
        )
    item = cart_add_item(
        cart=cart, plan_code=plan_code, duration=duration, pricing_mode=pricing_mode, quantity=quantity
    )
    return cart_item_json(cart_item_or_404(cart, item.pk), cart_language(request, caller, cart))


def cart_item_or_404(cart: Cart, item_id: int) -> CartItem:
    item = CartItem.objects.select_related("pricing__plan", "cart__subsidiary").filter(cart=cart, pk=item_id).first()
    if item is None:
        raise errors.not_found("This item does not exist")
    return item


def item_list(request, caller, cart_id: str):
    cart = get_cart(caller, cart_id)
    return list(cart.items.order_by("pk").values_list("pk", flat=True))


def item_get(request, caller, cart_id: str, item_id: int):
    cart = get_cart(caller, cart_id)
    return cart_item_json(cart_item_or_404(cart, item_id), cart_language(request, caller, cart))


def item_put(request, caller, cart_id: str, item_id: int):
    cart = get_cart(caller, cart_id)
    cart_item_or_404(cart, item_id)
    body = Params(parse_body(request))
    duration = body.string("duration", max_length=8)
    quantity = body.integer("quantity")
    cart_update_item(cart=cart, item_id=item_id, duration=duration, quantity=quantity)
    return cart_item_json(cart_item_or_404(cart, item_id), cart_language(request, caller, cart))


def item_delete(request, caller, cart_id: str, item_id: int):
    cart = get_cart(caller, cart_id)
    cart_item_or_404(cart, item_id)
    cart_remove_item(cart=cart, item_id=item_id)
    return None


def item_required_configuration(request, caller, cart_id: str, item_id: int):
    """Our plans need no configuration to be ordered."""
    cart_item_or_404(get_cart(caller, cart_id), item_id)
    return []


# --- item configurations (stored in CartItem.configurations as {"<id>": {"label", "value"}}) ----------------


def configuration_list(request, caller, cart_id: str, item_id: int):
    item = cart_item_or_404(get_cart(caller, cart_id), item_id)
    return [c["id"] for c in configurations_list(item.configurations)]


def _configuration(item: CartItem, configuration_id: int) -> dict:
    for configuration in configurations_list(item.configurations):
        if configuration["id"] == configuration_id:
            return configuration
    raise errors.not_found("This configuration does not exist")


def configuration_get(request, caller, cart_id: str, item_id: int, configuration_id: int):
    item = cart_item_or_404(get_cart(caller, cart_id), item_id)
    return _configuration(item, configuration_id)


def configuration_add(request, caller, cart_id: str, item_id: int):
    cart = get_cart(caller, cart_id)
    cart_item_or_404(cart, item_id)
    body = Params(parse_body(request))
    label = body.string("label", required=True, max_length=100)
    value = body.string("value", required=True, max_length=1000)
    if not label.strip():
        raise InvalidInput(_("The label cannot be empty."), field="label")

    def add(configurations: list) -> dict:
        if len(configurations) >= 50:
            raise InvalidInput(_("At most 50 configurations per item."), field="label")
        new = {"id": max((c["id"] for c in configurations), default=0) + 1, "label": label, "value": value}
        configurations.append(new)
        return new

    return cart_item_change_configurations(cart=cart, item_id=item_id, change=add)


def configuration_delete(request, caller, cart_id: str, item_id: int, configuration_id: int):
    cart = get_cart(caller, cart_id)
    _configuration(cart_item_or_404(cart, item_id), configuration_id)

    def remove(configurations: list) -> None:
        configurations[:] = [c for c in configurations if c["id"] != configuration_id]

    cart_item_change_configurations(cart=cart, item_id=item_id, change=remove)
    return None


# --- quotes and checkout ------------------------------------------------------------------------------------


def _quote(request, caller, cart: Cart, *, contracts: bool) -> dict:
    language = cart_language(request, caller, cart)
    items = list(cart.items.select_related("pricing__plan").order_by("pk"))
    quote = cart_quote(cart=cart, language=language)
    return quote_json(quote, items, language, contracts=contracts)


def cart_summary(request, caller, cart_id: str):
    return _quote(request, caller, get_cart(caller, cart_id), contracts=False)


def cart_checkout_quote(request, caller, cart_id: str):
    """The dry run: prices, lines, and the contracts (withdrawal information and consent texts)."""
    return _quote(request, caller, get_cart(caller, cart_id), contracts=True)


def cart_checkout_route(request, caller, cart_id: str):
    cart = get_cart(caller, cart_id)
    body = Params(parse_body(request))
    auto_pay = body.boolean("autoPayWithPreferredPaymentMethod", default=False)
    waive = body.boolean("waiveRetractationPeriod", default=False)
    account = caller.account
    order = cart_checkout(cart=cart, account=account, evidence=api_evidence(request, caller), express_request=waive)
    if auto_pay:
        # Outside any transaction: the gateway is never called inside one. A refusal leaves the order unpaid.
        method = PaymentMethod.objects.filter(account=account, is_default=True).first()
        if method is not None:
            try:
                order_pay(order_id=order.pk, account=account, method=method)
            except (OrderError, GatewayError) as error:
                logger.info("auto-payment of order %s failed: %s", order.pk, error)
    return placed_order_json(order, account.language)
