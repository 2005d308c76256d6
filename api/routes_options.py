"""/order/cart/{cartId}/{product}/options: a plan's options (catalog addons), added as child items of its item."""

from catalog.selectors import plan_options
from orders.services.carts import cart_add_option

from .params import Params, parse_body, query
from .routes_cart import cart_item_or_404, cart_language, get_cart, product_family
from .serializers import cart_item_json, option_offers_json


def product_options(request, caller, cart_id: str, product: str):
    """GenericOptionDefinition[] of `planCode` (required, as in OVHcloud's schema) in the cart's subsidiary."""
    cart = get_cart(caller, cart_id)
    product_family(product)
    plan_code = query(request).string("planCode", required=True, max_length=64)
    options = plan_options(plan_code=plan_code, subsidiary=cart.subsidiary)
    return option_offers_json(options, cart.subsidiary, cart_language(request, caller, cart))


def option_add(request, caller, cart_id: str, product: str):
    """Add an option to the item `itemId` (Terraform's plan_option: itemId, planCode, duration, pricingMode…)."""
    cart = get_cart(caller, cart_id)
    product_family(product)
    body = Params(parse_body(request))
    item_id = body.integer("itemId", required=True, minimum=1, maximum=999_999_999_999_999_999)
    plan_code = body.string("planCode", required=True, max_length=64)
    duration = body.string("duration", required=True, max_length=8)
    pricing_mode = body.string("pricingMode", default="default", max_length=20)
    quantity = body.integer("quantity", default=1)
    option = cart_add_option(
        cart=cart,
        parent_item_id=item_id,
        plan_code=plan_code,
        duration=duration,
        pricing_mode=pricing_mode,
        quantity=quantity,
    )
    return cart_item_json(cart_item_or_404(cart, option.pk), cart_language(request, caller, cart))
