"""/order/cart/{cartId}/domain: domain names as OVHcloud's order-cart examples search and add them.

GET answers order.cart.ProductInformation[] for `?domain=NAME` (its offers, `orderable` from the registry);
POST adds the name with the offer chosen (`offerId`, else the first), as an order.cart.Item whose
`settings.domain` is the name, the service that gets delivered. The rules live in orders.domains and
orders.services.carts; these handlers only read the request and shape the answer.
"""

from django.utils.translation import gettext as _

from core.errors import InvalidInput
from orders.domains import domain_lookup
from orders.services.carts import cart_add_item

from .params import Params, parse_body, query
from .routes_cart import find_item, get_cart, request_language
from .serializers import cart_item_json, domain_offer_id, domain_offers_json


def domain_offers(request, caller, cart_id: str):
    cart = get_cart(caller, cart_id)
    name = query(request).string("domain", required=True, max_length=300)
    answer = domain_lookup(subsidiary=cart.subsidiary, name=name)
    return domain_offers_json(answer, cart.subsidiary.currency, request_language(request, caller, cart))


def domain_add(request, caller, cart_id: str):
    cart = get_cart(caller, cart_id)
    body = Params(parse_body(request))
    name = body.string("domain", required=True, max_length=300)
    offer_id = body.string("offerId", max_length=100)
    plan_code = body.string("planCode", max_length=64)
    pricing_mode = body.string("pricingMode", max_length=20)
    duration = body.string("duration", max_length=8)
    quantity = body.integer("quantity", default=1)
    answer = domain_lookup(subsidiary=cart.subsidiary, name=name)
    offers = {domain_offer_id(answer.plan.plan_code, p.pricing_mode): p.pricing_mode for p in answer.pricings}
    if offer_id is not None and offer_id not in offers:
        raise InvalidInput(
            _("Unknown offer “%(offer)s” for %(name)s.") % {"offer": offer_id, "name": answer.name}, field="offerId"
        )
    mode = offers[offer_id] if offer_id is not None else pricing_mode or answer.pricings[0].pricing_mode
    durations = [p.duration for p in sorted(answer.pricings, key=lambda p: p.months) if p.pricing_mode == mode]
    item = cart_add_item(
        cart=cart,
        plan_code=plan_code or answer.plan.plan_code,  # another plan's code is refused by the service
        duration=duration or (durations[0] if durations else ""),
        pricing_mode=mode,
        quantity=quantity,
        domain=answer.name,
    )
    return cart_item_json(find_item(cart, item.pk), request_language(request, caller, cart))
