"""Checkout: a cart becomes a purchase order, once, with its lines, totals, billing snapshot and evidence."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Conflict, InvalidInput

from .. import history
from ..domains import domain_taken
from ..lifecycle import record_event
from ..models import Cart, Consent, Order, OrderKind, OrderLine
from ..notifications import notify_order_placed
from ..page_versions import order_pages_changed
from ..pricing import Quote
from .carts import cart_quote
from .consents import Evidence, record_consent, record_express_request


def cart_checkout(
    *, cart: Cart, account: User, evidence: Evidence, express_request: bool = False, now: datetime | None = None
) -> Order:
    """Create the unpaid purchase order. The withdrawal information was shown on both channels."""
    now = now or timezone.now()
    with transaction.atomic():
        cart = Cart.objects.select_for_update(of=("self",)).select_related("subsidiary", "account").get(pk=cart.pk)
        if cart.account_id != account.pk:
            raise Conflict(_("Assign this cart to your account before checking out."))
        if cart.expires_at <= now:
            raise Conflict(_("This cart has expired."))
        # Conditional update: two checkouts of one cart cannot both pass this line.
        if not Cart.objects.filter(pk=cart.pk, checked_out_at__isnull=True).update(checked_out_at=now):
            raise Conflict(_("This cart has already been checked out."))
        quote = cart_quote(cart=cart, language=account.language, now=now)
        if not quote.lines:
            raise InvalidInput(_("The cart is empty."), field="cartId")
        for name in {line.domain for line in quote.lines if line.domain}:
            if domain_taken(name, now=now):  # ordered by someone else since it was put in this cart
                raise Conflict(
                    _("The domain name %(name)s is no longer available: remove it from your cart.") % {"name": name}
                )
        order = order_from_quote(account=account, subsidiary=cart.subsidiary, quote=quote, now=now, cart=cart)
        if account.is_consumer:  # businesses have no right of withdrawal to be informed of
            record_consent(
                order=order, kind=Consent.Kind.INFORMATION_GIVEN, evidence=evidence, language=order.language, now=now
            )
        if express_request:
            record_express_request(order=order, evidence=evidence, now=now)
        record_event(order, history.ORDER_STARTED, actor=account, channel=evidence.channel)
        notify_order_placed(order)
        order_pages_changed(order_ids=[order.pk])
    return order


def order_from_quote(
    *,
    account: User,
    subsidiary,
    quote: Quote,
    now: datetime,
    kind: str = OrderKind.NEW,
    cart: Cart | None = None,
    renewed_service=None,
    descriptions: list[str] | None = None,
) -> Order:
    """The order and its lines, exactly as quoted; checkout and renewals both place orders this way."""
    order = Order.objects.create(
        account=account,
        subsidiary=subsidiary,
        kind=kind,
        cart=cart,
        created_at=now,
        expires_at=now + timedelta(days=settings.ORDER_VALIDITY_DAYS),
        currency=quote.currency,
        language=account.language,
        billing=account.billing_snapshot(),
        reverse_charge=quote.vat.reverse_charge,
        total_net=quote.total_net,
        total_reduction=quote.total_reduction,
        total_vat=quote.total_vat,
        total_gross=quote.total_gross,
        withdrawal_info_given=kind == OrderKind.NEW and account.is_consumer,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            group=line.group,
            kind=line.kind,
            plan=line.pricing.plan,
            duration=line.pricing.duration,
            months=line.pricing.months,
            pricing_mode=line.pricing.pricing_mode,
            description=(descriptions[index] if descriptions else line.description)[:300],
            configurations=line.configurations,
            domain=line.domain,
            quantity=line.quantity,
            unit_price=line.unit_price,
            reduction=line.reduction,
            net_total=line.net_total,
            vat_rate=line.vat_rate,
            vat_amount=line.vat_amount,
            gross_amount=line.gross_amount,
            renewed_service=renewed_service,
        )
        for index, line in enumerate(quote.lines)
    )
    return order
