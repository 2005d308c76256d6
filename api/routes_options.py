"""/order/cart/{cartId}/{product}/options: a plan's options (catalog addons), added as child items of its item."""

from ninja import Query, Router

from catalog.selectors import plan_options
from orders.services.carts import cart_add_option

from . import errors
from .routes_cart import CART, find_item, get_cart, product_family, request_language
from .schemas.cart import CHECKED_AFTER_CART, CartId, Item, OptionCreation, OptionDefinition, PlanCode, ProductName
from .serializers import cart_item_json, option_offers_json
from .signing import ANYONE_OR_SIGNED

router = Router(tags=["cart"], auth=ANYONE_OR_SIGNED)
OPTIONS = CART + "/{segment:product}/options"


@router.get(
    OPTIONS,
    response=list[OptionDefinition],
    operation_id="getOrderCartProductOptions",
    summary="Options of a plan (catalog addons) in the cart's subsidiary",
)
def product_options(
    request,
    cartId: CartId,
    product: ProductName,
    planCode: PlanCode | None = Query(None, description=CHECKED_AFTER_CART),
):
    """GenericOptionDefinition[] of `planCode` (required, as in OVHcloud's schema, checked once the cart is
    found: another customer's cart is a 404 first)."""
    cart = get_cart(request, cartId)
    product_family(product)
    if planCode is None:
        raise errors.bad_request("Missing parameter planCode")
    options = plan_options(plan_code=planCode, subsidiary=cart.subsidiary)
    return option_offers_json(options, cart.subsidiary, request_language(request, cart))


@router.post(
    OPTIONS,
    response=Item,
    exclude_unset=True,
    operation_id="postOrderCartProductOptions",
    summary="Add an option to an item (a child item: parentItemId)",
)
def option_add(request, cartId: CartId, product: ProductName, body: OptionCreation):
    """Add an option to the item `itemId` (Terraform's plan_option: itemId, planCode, duration, pricingMode…)."""
    cart = get_cart(request, cartId)
    product_family(product)
    option = cart_add_option(
        cart=cart,
        parent_item_id=body.itemId,
        plan_code=body.planCode,
        duration=body.duration,
        pricing_mode=body.pricingMode or "default",
        quantity=1 if body.quantity is None else body.quantity,
    )
    return cart_item_json(find_item(cart, option.pk), request_language(request, cart))
