"""/order/cart: carts created without auth, filled, assigned, quoted and checked out through the services.

A cart with an account is visible only to that account's keys; an anonymous cart to anyone who has its
id, as OVHcloud's. Another account's cart does not exist for the caller (404).
"""

import logging
import uuid
from datetime import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Router

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
from .params import ApiId
from .routes_orders import api_evidence
from .schemas.base import Null
from .schemas.billing import NO_BODY, Empty
from .schemas.cart import (
    Cart as CartSchema,
)
from .schemas.cart import (
    CartCreation,
    CartId,
    CartUpdate,
    Checkout,
    ConfigurationCreation,
    ConfigurationItem,
    ConfigurationRequirements,
    Item,
    ItemCreation,
    ItemUpdate,
    Order,
    PlanCode,
    ProductDefinition,
    ProductName,
)
from .serializers import PRODUCTS, cart_item_json, cart_json, offers_json, placed_order_json, quote_json
from .signing import ANYONE_OR_SIGNED, SIGNED_CALL
from .throttle import CART_CREATION

logger = logging.getLogger("api")
router = Router(tags=["cart"], auth=ANYONE_OR_SIGNED)
CART = "/order/cart/{segment:cartId}"
ITEM = CART + "/item/{apiid:itemId}"
CONFIGURATION = ITEM + "/configuration/{apiid:configurationId}"
# Bodies whose fields are all optional default to these: an empty body is then valid, as OVHcloud's.
UNCHANGED_CART, UNCHANGED_ITEM, NO_OPTIONS = CartUpdate(), ItemUpdate(), Checkout()


def request_language(request, cart: Cart) -> str:
    """The account's language; anonymously, the Accept-Language asked for, else the subsidiary's."""
    account = request.auth.account
    if account is not None:
        return account.language
    if request.headers.get("Accept-Language"):
        return translation.get_language() or cart.subsidiary.language
    return cart.subsidiary.language


def get_cart(request, cart_id: str, *, now: datetime | None = None) -> Cart:
    """The cart if the caller may see it, else 404."""
    now = now or timezone.now()
    account = request.auth.account
    try:
        pk = uuid.UUID(cart_id)
    except ValueError:
        raise errors.not_found("This cart does not exist") from None
    cart = Cart.objects.select_related("subsidiary", "account").filter(pk=pk).first()
    if cart is None:
        raise errors.not_found("This cart does not exist")
    if cart.account_id is not None and (account is None or cart.account_id != account.pk):
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


@router.get(
    "/order/cart",
    auth=SIGNED_CALL,
    response=list[str],
    operation_id="getOrderCarts",
    summary="Ids of the customer's open carts",
)
def cart_list(request, description: str | None = None):
    carts = Cart.objects.filter(
        account=request.auth.account, checked_out_at__isnull=True, expires_at__gt=timezone.now()
    )
    if description is not None:
        carts = carts.filter(description=description)
    return [str(pk) for pk in carts.order_by("created_at", "pk").values_list("pk", flat=True)]


@router.post(
    "/order/cart",
    throttle=CART_CREATION,
    response=CartSchema,
    operation_id="postOrderCart",
    summary="Create a cart (no authentication needed; throttled per IP)",
)
def cart_create_route(request, body: CartCreation):
    cart = cart_create(subsidiary_code=body.ovhSubsidiary, description=body.description or "", expire=body.expire)
    return cart_json(cart)


@router.get(CART, response=CartSchema, operation_id="getOrderCart", summary="A cart")
def cart_get(request, cartId: CartId):
    return cart_json(get_cart(request, cartId))


@router.put(CART, response=CartSchema, operation_id="putOrderCart", summary="Change a cart's description or expiry")
def cart_put(request, cartId: CartId, body: CartUpdate = UNCHANGED_CART):
    cart = cart_update(cart=get_cart(request, cartId), description=body.description, expire=body.expire)
    return cart_json(cart)


@router.delete(CART, response=Null, operation_id="deleteOrderCart", summary="Delete a cart")
def cart_delete(request, cartId: CartId):
    """A placed order keeps everything it needs (its lines and totals)."""
    cart_delete_service(cart=get_cart(request, cartId))
    return None


@router.post(
    CART + "/assign",
    auth=SIGNED_CALL,
    response=Null,
    operation_id="postOrderCartAssign",
    summary="Assign the cart to the signed-in account",
)
def cart_assign_route(request, cartId: CartId, body: Empty = NO_BODY):
    cart_assign(cart=get_cart(request, cartId), account=request.auth.account)
    return None


# --- items ---------------------------------------------------------------------------------------------------


def find_item(cart: Cart, item_id: int) -> CartItem:
    item = CartItem.objects.select_related("pricing__plan", "cart__subsidiary").filter(cart=cart, pk=item_id).first()
    if item is None:
        raise errors.not_found("This item does not exist")
    return item


@router.get(CART + "/item", response=list[int], operation_id="getOrderCartItems", summary="Ids of the cart's items")
def item_list(request, cartId: CartId):
    return list(get_cart(request, cartId).items.order_by("pk").values_list("pk", flat=True))


@router.get(ITEM, response=Item, exclude_unset=True, operation_id="getOrderCartItem", summary="One item")
def item_get(request, itemId: ApiId, cartId: CartId):
    cart = get_cart(request, cartId)
    return cart_item_json(find_item(cart, itemId), request_language(request, cart))


@router.put(
    ITEM,
    response=Item,
    exclude_unset=True,
    operation_id="putOrderCartItem",
    summary="Change an item's duration (same plan and pricing mode) or quantity",
)
def item_put(request, itemId: ApiId, cartId: CartId, body: ItemUpdate = UNCHANGED_ITEM):
    cart = get_cart(request, cartId)
    find_item(cart, itemId)
    cart_update_item(cart=cart, item_id=itemId, duration=body.duration, quantity=body.quantity)
    return cart_item_json(find_item(cart, itemId), request_language(request, cart))


@router.delete(ITEM, response=Null, operation_id="deleteOrderCartItem", summary="Remove an item")
def item_delete(request, itemId: ApiId, cartId: CartId):
    cart = get_cart(request, cartId)
    find_item(cart, itemId)
    cart_remove_item(cart=cart, item_id=itemId)
    return None


@router.get(
    ITEM + "/requiredConfiguration",
    response=list[ConfigurationRequirements],
    operation_id="getOrderCartItemRequiredConfiguration",
    summary="Configurations the item needs (none for our plans)",
)
def item_required_configuration(request, itemId: ApiId, cartId: CartId):
    find_item(get_cart(request, cartId), itemId)
    return []


# --- item configurations (stored in CartItem.configurations as {"<id>": {"label", "value"}}) ----------------


@router.get(
    ITEM + "/configuration",
    response=list[int],
    operation_id="getOrderCartItemConfigurations",
    summary="Ids of the item's configurations",
)
def configuration_list(request, itemId: ApiId, cartId: CartId):
    item = find_item(get_cart(request, cartId), itemId)
    return [c["id"] for c in configurations_list(item.configurations)]


@router.post(
    ITEM + "/configuration",
    response=ConfigurationItem,
    operation_id="postOrderCartItemConfiguration",
    summary="Add a configuration {label, value}",
)
def configuration_add(request, itemId: ApiId, body: ConfigurationCreation, cartId: CartId):
    cart = get_cart(request, cartId)
    find_item(cart, itemId)
    if not body.label.strip():
        raise InvalidInput(_("The label cannot be empty."), field="label")

    def add(configurations: list) -> dict:
        if len(configurations) >= 50:
            raise InvalidInput(_("At most 50 configurations per item."), field="label")
        new = {"id": max((c["id"] for c in configurations), default=0) + 1, "label": body.label, "value": body.value}
        configurations.append(new)
        return new

    return cart_item_change_configurations(cart=cart, item_id=itemId, change=add)


def _configuration(item: CartItem, configuration_id: int) -> dict:
    for configuration in configurations_list(item.configurations):
        if configuration["id"] == configuration_id:
            return configuration
    raise errors.not_found("This configuration does not exist")


@router.get(
    CONFIGURATION,
    response=ConfigurationItem,
    operation_id="getOrderCartItemConfiguration",
    summary="One configuration",
)
def configuration_get(request, itemId: ApiId, configurationId: ApiId, cartId: CartId):
    return _configuration(find_item(get_cart(request, cartId), itemId), configurationId)


@router.delete(
    CONFIGURATION,
    response=Null,
    operation_id="deleteOrderCartItemConfiguration",
    summary="Remove a configuration",
)
def configuration_delete(request, itemId: ApiId, configurationId: ApiId, cartId: CartId):
    cart = get_cart(request, cartId)
    _configuration(find_item(cart, itemId), configurationId)

    def remove(configurations: list) -> None:
        configurations[:] = [c for c in configurations if c["id"] != configurationId]

    cart_item_change_configurations(cart=cart, item_id=itemId, change=remove)
    return None


# --- quotes and checkout ------------------------------------------------------------------------------------


def _quote(request, cart: Cart, *, contracts: bool) -> dict:
    language = request_language(request, cart)
    items = list(cart.items.select_related("pricing__plan").order_by("pk"))
    return quote_json(cart_quote(cart=cart, language=language), items, language, contracts=contracts)


@router.get(
    CART + "/summary",
    response=Order,
    operation_id="getOrderCartSummary",
    summary="Prices of the cart (contracts empty)",
)
def cart_summary(request, cartId: CartId):
    return _quote(request, get_cart(request, cartId), contracts=False)


@router.get(
    CART + "/checkout",
    response=Order,
    operation_id="getOrderCartCheckout",
    summary="Dry run: prices, lines, and the contracts (withdrawal information and consents)",
)
def cart_checkout_quote(request, cartId: CartId):
    return _quote(request, get_cart(request, cartId), contracts=True)


@router.post(
    CART + "/checkout",
    auth=SIGNED_CALL,
    response=Order,
    operation_id="postOrderCartCheckout",
    summary="Place the order (an unpaid purchase order, paid at once with autoPayWithPreferredPaymentMethod)",
)
def cart_checkout_route(request, cartId: CartId, body: Checkout = NO_OPTIONS):
    cart = get_cart(request, cartId)
    account = request.auth.account
    order = cart_checkout(
        cart=cart, account=account, evidence=api_evidence(request), express_request=bool(body.waiveRetractationPeriod)
    )
    if body.autoPayWithPreferredPaymentMethod:
        # Outside any transaction: the gateway is never called inside one. A refusal leaves the order unpaid.
        method = PaymentMethod.objects.filter(account=account, is_default=True).first()
        if method is not None:
            try:
                order_pay(order_id=order.pk, account=account, method=method)
            except (OrderError, GatewayError) as error:
                logger.info("auto-payment of order %s failed: %s", order.pk, error)
    return placed_order_json(order, account.language)


# --- offers (last: `{product}` would match item, summary, checkout and assign) -------------------------------


@router.get(
    CART + "/{segment:product}",
    response=list[ProductDefinition],
    operation_id="getOrderCartProduct",
    summary="Offers of a product family in the cart's subsidiary",
)
def product_offers(request, cartId: CartId, product: ProductName, planCode: PlanCode | None = None):
    cart = get_cart(request, cartId)
    plans = sold_alone(Plan.objects.filter(family=product_family(product), active=True))
    pricings = Pricing.objects.select_related("plan").filter(subsidiary=cart.subsidiary, plan__in=plans)
    if planCode:
        pricings = pricings.filter(plan__plan_code=planCode)
    pricings = pricings.order_by("plan__plan_code", "months", "pricing_mode", "pk")
    return offers_json(list(pricings), cart.subsidiary, request_language(request, cart))


@router.post(
    CART + "/{segment:product}",
    response=Item,
    exclude_unset=True,
    operation_id="postOrderCartProduct",
    summary="Add an item",
)
def product_add(request, body: ItemCreation, cartId: CartId, product: ProductName):
    cart = get_cart(request, cartId)
    family = product_family(product)
    if not Plan.objects.filter(plan_code=body.planCode, family=family, active=True).exists():
        raise InvalidInput(
            _("Unknown plan “%(code)s” for %(product)s.") % {"code": body.planCode, "product": product},
            field="planCode",
        )
    item = cart_add_item(
        cart=cart,
        plan_code=body.planCode,
        duration=body.duration,
        pricing_mode=body.pricingMode or "default",
        quantity=1 if body.quantity is None else body.quantity,
    )
    return cart_item_json(find_item(cart, item.pk), request_language(request, cart))
