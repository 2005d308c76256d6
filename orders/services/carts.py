"""Carts: created anonymously in a subsidiary, filled, assigned to an account, quoted."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Subsidiary, User
from catalog.models import Addon, Pricing
from core.errors import Conflict, InvalidInput
from core.localtime import local_today

from ..configurations import configurations_list
from ..domains import domain_lookup, domain_unavailable
from ..models import Cart, CartItem
from ..pricing import Quote, quote_items

MAX_QUANTITY = 100


def cart_create(
    *,
    subsidiary_code: str,
    description: str = "",
    expire: datetime | None = None,
    account: User | None = None,
    now: datetime | None = None,
) -> Cart:
    now = now or timezone.now()
    subsidiary = Subsidiary.objects.filter(code=(subsidiary_code or "").upper()).first()
    if subsidiary is None:
        raise InvalidInput(_("Unknown subsidiary “%(code)s”.") % {"code": subsidiary_code}, field="ovhSubsidiary")
    if len(description) > 200:
        raise InvalidInput(_("The description is limited to 200 characters."), field="description")
    if expire is not None and expire <= now:
        raise InvalidInput(_("The expiry date must be in the future."), field="expire")
    return Cart.objects.create(
        subsidiary=subsidiary,
        description=description,
        account=account,
        expires_at=expire or now + timedelta(days=settings.CART_VALIDITY_DAYS),
    )


def _check_open(cart: Cart, now: datetime) -> None:
    """Read the cart's state from the database: the caller's copy may predate a checkout."""
    cart.refresh_from_db(fields=["checked_out_at", "expires_at", "account"])
    if cart.read_only:
        raise Conflict(_("This cart has already been checked out."))
    if cart.expires_at <= now:
        raise Conflict(_("This cart has expired."))


def cart_update(
    *, cart: Cart, description: str | None = None, expire: datetime | None = None, now: datetime | None = None
) -> Cart:
    now = now or timezone.now()
    _check_open(cart, now)
    if description is not None:
        if len(description) > 200:
            raise InvalidInput(_("The description is limited to 200 characters."), field="description")
        cart.description = description
    if expire is not None:
        if expire <= now:
            raise InvalidInput(_("The expiry date must be in the future."), field="expire")
        cart.expires_at = expire
    cart.save(update_fields=["description", "expires_at"])
    return cart


def find_pricing(*, subsidiary: Subsidiary, plan_code: str, duration: str, pricing_mode: str) -> Pricing:
    pricing = (
        Pricing.objects.select_related("plan")
        .filter(
            subsidiary=subsidiary,
            plan__plan_code=plan_code,
            plan__active=True,
            duration=duration,
            pricing_mode=pricing_mode or "default",
        )
        .first()
    )
    if pricing is None:
        if not Pricing.objects.filter(subsidiary=subsidiary, plan__plan_code=plan_code, plan__active=True).exists():
            raise InvalidInput(_("Unknown plan “%(code)s” in this subsidiary.") % {"code": plan_code}, field="planCode")
        raise InvalidInput(
            _("Plan “%(code)s” is not sold for %(duration)s with pricing mode “%(mode)s”.")
            % {"code": plan_code, "duration": duration, "mode": pricing_mode},
            field="duration",
        )
    return pricing


def _check_quantity(quantity) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= MAX_QUANTITY:
        raise InvalidInput(
            _("The quantity must be a whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY}, field="quantity"
        )


def cart_add_item(
    *,
    cart: Cart,
    plan_code: str,
    duration: str,
    pricing_mode: str = "default",
    quantity: int = 1,
    configurations: dict | None = None,
    domain: str = "",
    now: datetime | None = None,
) -> CartItem:
    """Add a plan; a domain plan may name its domain (then one, free, of the plan's extension)."""
    now = now or timezone.now()
    _check_quantity(quantity)
    pricing = find_pricing(
        subsidiary=cart.subsidiary, plan_code=plan_code, duration=duration, pricing_mode=pricing_mode
    )
    if Addon.objects.filter(option=pricing.plan).exists():
        raise InvalidInput(
            _("“%(code)s” is an option: add it to an item of its plan.") % {"code": plan_code}, field="planCode"
        )
    if domain:
        domain = _free_domain(cart=cart, pricing=pricing, name=domain, quantity=quantity, now=now)
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).first()  # serialises with checkout on PostgreSQL
        _check_open(cart, now)
        if domain and cart.items.filter(domain=domain).exists():
            raise InvalidInput(
                _("The domain name %(name)s is already in your cart.") % {"name": domain}, field="domain"
            )
        return CartItem.objects.create(
            cart=cart, pricing=pricing, quantity=quantity, configurations=configurations or {}, domain=domain
        )


def _free_domain(*, cart: Cart, pricing: Pricing, name: str, quantity: int, now: datetime) -> str:
    """The name, cleaned, if the pricing's plan registers it, once, and the registry has it free."""
    answer = domain_lookup(subsidiary=cart.subsidiary, name=name, now=now)
    if answer.plan.pk != pricing.plan_id:
        raise InvalidInput(
            _("Plan “%(code)s” does not register %(name)s.") % {"code": pricing.plan.plan_code, "name": answer.name},
            field="planCode",
        )
    if quantity != 1:
        raise InvalidInput(_("A domain name is ordered once: the quantity must be 1."), field="quantity")
    if not answer.available:
        raise domain_unavailable(answer.name)
    return answer.name


def cart_add_option(
    *,
    cart: Cart,
    parent_item_id: int,
    plan_code: str,
    duration: str,
    pricing_mode: str = "default",
    quantity: int = 1,
    now: datetime | None = None,
) -> CartItem:
    """Add an option of the parent item's plan, for the parent's duration, as a child item of it."""
    _check_quantity(quantity)
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
        _check_open(cart, now or timezone.now())
        parent = CartItem.objects.select_related("pricing__plan").filter(cart=cart, pk=parent_item_id).first()
        if parent is None or parent.parent_id is not None:
            raise InvalidInput(
                _("This cart has no item %(id)s to add an option to.") % {"id": parent_item_id}, field="itemId"
            )
        plan = parent.pricing.plan
        addon = Addon.objects.filter(plan=plan, option__plan_code=plan_code, option__active=True).first()
        if addon is None:
            raise InvalidInput(
                _("“%(option)s” is not an option of plan “%(plan)s”.") % {"option": plan_code, "plan": plan.plan_code},
                field="planCode",
            )
        pricing = find_pricing(
            subsidiary=cart.subsidiary, plan_code=plan_code, duration=duration, pricing_mode=pricing_mode
        )
        if pricing.duration != parent.pricing.duration:
            raise InvalidInput(
                _("An option runs for the duration of its item: %(duration)s.") % {"duration": parent.pricing.duration},
                field="duration",
            )
        chosen = parent.options.values("pricing__plan")
        if addon.exclusive and Addon.objects.filter(plan=plan, family=addon.family, option__in=chosen).exists():
            raise Conflict(_("This item already has an option of the “%(family)s” family.") % {"family": addon.family})
        return CartItem.objects.create(cart=cart, pricing=pricing, quantity=quantity, parent=parent)


def cart_update_item(
    *, cart: Cart, item_id: int, duration: str | None = None, quantity: int | None = None, now: datetime | None = None
) -> CartItem:
    """Another duration of the same plan and pricing mode, and/or another quantity; all or nothing.

    The item's options follow its duration; an option's own duration is its item's, not changed alone.
    """
    if quantity is not None:
        _check_quantity(quantity)
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
        _check_open(cart, now or timezone.now())
        item = CartItem.objects.select_related("pricing__plan", "parent__pricing").filter(cart=cart, pk=item_id).first()
        if item is None:
            raise InvalidInput(_("This cart has no item %(id)s.") % {"id": item_id}, field="itemId")
        if duration is not None and item.parent is not None and duration != item.parent.pricing.duration:
            raise InvalidInput(
                _("An option runs for the duration of its item: %(duration)s.")
                % {"duration": item.parent.pricing.duration},
                field="duration",
            )
        if duration is not None:
            item.pricing = _same_offer_for(item, duration, cart.subsidiary)
            for option in item.options.select_related("pricing__plan"):
                option.pricing = _same_offer_for(option, duration, cart.subsidiary)
                option.save(update_fields=["pricing"])
        if quantity is not None:
            if item.domain and quantity != 1:
                raise InvalidInput(_("A domain name is ordered once: the quantity must be 1."), field="quantity")
            item.quantity = quantity
        item.save(update_fields=["pricing", "quantity"])
    return item


def _same_offer_for(item: CartItem, duration: str, subsidiary: Subsidiary) -> Pricing:
    """The item's plan and pricing mode for another duration (InvalidInput when not sold so)."""
    return find_pricing(
        subsidiary=subsidiary,
        plan_code=item.pricing.plan.plan_code,
        duration=duration,
        pricing_mode=item.pricing.pricing_mode,
    )


def cart_remove_item(*, cart: Cart, item_id: int, now: datetime | None = None) -> None:
    with transaction.atomic():
        Cart.objects.select_for_update().filter(pk=cart.pk).first()
        _check_open(cart, now or timezone.now())
        deleted, _rows = CartItem.objects.filter(cart=cart, pk=item_id).delete()
    if not deleted:
        raise InvalidInput(_("This cart has no item %(id)s.") % {"id": item_id}, field="itemId")


def cart_assign(*, cart: Cart, account: User, now: datetime | None = None) -> Cart:
    """Give an anonymous cart to the logged-in account; a cart belongs to one account for good."""
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        _check_open(cart, now or timezone.now())
        if cart.account_id not in (None, account.pk):
            raise Conflict(_("This cart belongs to another account."))
        if cart.subsidiary_id != account.subsidiary_id:
            raise Conflict(
                _("This cart was created in subsidiary %(cart)s; your account belongs to %(account)s.")
                % {"cart": cart.subsidiary_id, "account": account.subsidiary_id}
            )
        Cart.objects.filter(pk=cart.pk).update(account=account)
    cart.account = account
    return cart


def cart_quote(*, cart: Cart, language: str, now: datetime | None = None) -> Quote:
    """The cart priced at the VAT rates of `now`'s day (default: today), in the subsidiary's zone."""
    items = list(cart.items.select_related("pricing__plan"))
    on = local_today(cart.subsidiary.time_zone, now)
    return quote_items(items=items, subsidiary=cart.subsidiary, account=cart.account, language=language, on=on)


def carts_delete_expired(*, now: datetime | None = None) -> int:
    """The beat job: carts past their validity that were never checked out."""
    deleted, _per_model = Cart.objects.filter(
        expires_at__lte=now or timezone.now(), checked_out_at__isnull=True
    ).delete()
    return deleted


def cart_delete(*, cart: Cart) -> None:
    """Delete a cart; an order placed from it keeps everything it needs (its own lines and totals)."""
    Cart.objects.filter(pk=cart.pk).delete()


def cart_item_change_configurations(*, cart: Cart, item_id: int, change: Callable[[list[dict]], Any]) -> Any:
    """Apply `change(configurations)` to an open cart's item under the cart's lock; returns what `change` returns.

    `configurations` is the item's list of `{"id", "label", "value"}`, which `change` edits in place.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = Cart.objects.select_for_update().filter(pk=cart.pk).first()
        if locked is None:
            raise Http404("This cart does not exist")
        _check_open(locked, now)
        item = CartItem.objects.select_for_update().filter(cart=locked, pk=item_id).first()
        if item is None:
            raise Http404("This item does not exist")
        configurations = configurations_list(item.configurations)
        result = change(configurations)
        item.configurations = {str(c["id"]): {"label": c["label"], "value": c["value"]} for c in configurations}
        item.save(update_fields=["configurations"])
    return result
