"""/order/cart/{cartId}/domain: domain names as OVHcloud's order-cart examples search and add them.

GET answers order.cart.ProductInformation[] for `?domain=NAME` (its offers, `orderable` from the registry);
POST adds the name with the offer chosen (`offerId`, else the first), as an order.cart.Item whose
`settings.domain` is the name, the service that gets delivered. The rules live in orders.domains and
orders.services.carts; these handlers only read the request and shape the answer. This router comes before
the cart's, whose `{product}` would match `domain`.
"""

from django.utils.translation import gettext as _
from ninja import Query, Router

from core.errors import InvalidInput
from orders.domains import domain_lookup
from orders.services.carts import cart_add_item

from . import errors
from .routes_cart import CART, find_item, get_cart, request_language
from .schemas.cart import CHECKED_AFTER_CART, CartId, DomainCreation, DomainName, Item, ProductInformation
from .serializers import cart_item_json, domain_offer_id, domain_offers_json
from .signing import ANYONE_OR_SIGNED

router = Router(tags=["cart"], auth=ANYONE_OR_SIGNED)


@router.get(
    CART + "/domain",
    response=list[ProductInformation],
    operation_id="getOrderCartDomain",
    summary="The offers for a domain name, and whether the registry has it free",
)
def domain_offers(request, cartId: CartId, domain: DomainName | None = Query(None, description=CHECKED_AFTER_CART)):
    """`domain` is required, checked once the cart is found: another customer's cart is a 404 first."""
    cart = get_cart(request, cartId)
    if domain is None:
        raise errors.bad_request("Missing parameter domain")
    answer = domain_lookup(subsidiary=cart.subsidiary, name=domain)
    return domain_offers_json(answer, cart.subsidiary.currency, request_language(request, cart))


@router.post(
    CART + "/domain",
    response=Item,
    exclude_unset=True,
    operation_id="postOrderCartDomain",
    summary="Add a domain name (the offer `offerId`, else the first); it is delivered under that name",
)
def domain_add(request, cartId: CartId, body: DomainCreation):
    cart = get_cart(request, cartId)
    answer = domain_lookup(subsidiary=cart.subsidiary, name=body.domain)
    offers = {domain_offer_id(answer.plan.plan_code, p.pricing_mode): p.pricing_mode for p in answer.pricings}
    if body.offerId is not None and body.offerId not in offers:
        raise InvalidInput(
            _("Unknown offer “%(offer)s” for %(name)s.") % {"offer": body.offerId, "name": answer.name},
            field="offerId",
        )
    mode = offers[body.offerId] if body.offerId is not None else body.pricingMode or answer.pricings[0].pricing_mode
    durations = [p.duration for p in sorted(answer.pricings, key=lambda p: p.months) if p.pricing_mode == mode]
    item = cart_add_item(
        cart=cart,
        plan_code=body.planCode or answer.plan.plan_code,  # another plan's code is refused by the service
        duration=body.duration or (durations[0] if durations else ""),
        pricing_mode=mode,
        quantity=1 if body.quantity is None else body.quantity,
        domain=answer.name,
    )
    return cart_item_json(find_item(cart, item.pk), request_language(request, cart))
