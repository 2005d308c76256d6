"""Ordering, the first steps of an order: the catalog of the account's subsidiary, the cart and the checkout.

The catalog shows the cart summary beside the plans (catalog.selectors reads the plans, priced at the rate a
quote applies). The current cart is found from the account (no session state); writes go through
orders.services. htmx requests to add or remove get the cart summary partial; without JavaScript they redirect.
"""

from dataclasses import dataclass

from babel.numbers import format_percent
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, to_locale
from django.views.decorators.http import require_POST

from catalog.selectors import catalog_groups, duration_words
from core.client_ip import evidence_ip
from core.errors import Conflict, InvalidInput, OrderError

from .. import selectors
from ..domains import domain_lookup
from ..forms.ordering import AddToCartForm, CheckoutForm
from ..legal import legal_text
from ..models import Cart
from ..pricing import LineDraft, Quote, treatment_for
from ..services.carts import MAX_QUANTITY, cart_add_item, cart_assign, cart_create, cart_quote, cart_remove_item
from ..services.checkout import cart_checkout
from ..services.consents import Evidence

LEGAL_KEYS = ("withdrawal_information", "withdrawal_form", "scope", "refund_terms", "consent_information_given")


@dataclass(frozen=True)
class ItemLines:
    """The quote's lines of one cart item (installation, then duration), with the item to remove."""

    item_id: int
    lines: list[LineDraft]


@dataclass(frozen=True)
class CartView:
    cart: Cart
    quote: Quote
    items: list[ItemLines]
    revision: str  # changes when an item is added or removed or a price changes: what the customer confirmed
    has_excludable: bool


def cart_view(*, cart: Cart | None, language: str) -> CartView | None:
    """The cart as the pages show it: its quote, the lines of each item, and the revision the checkout confirms."""
    if cart is None:
        return None
    quote = cart_quote(cart=cart, language=language)
    # cart_quote numbers its lines' groups 1, 2… in the items' default order (by id): the same order here.
    item_ids = list(cart.items.values_list("pk", flat=True))
    items = [
        ItemLines(item_id=item_id, lines=[line for line in quote.lines if line.group == group])
        for group, item_id in enumerate(item_ids, start=1)
    ]
    return CartView(
        cart=cart,
        quote=quote,
        items=items,
        revision=f"{'-'.join(map(str, item_ids))}:{quote.total_gross}",
        has_excludable=any(line.pricing.plan.excludable for line in quote.lines),
    )


def _vat_rate(view: CartView | None) -> str:
    """The rate the quote applies, for the reader's locale: "20%", "20 %"."""
    if view is None:
        return ""
    return format_percent(view.quote.vat.rate, locale=to_locale(get_language()), decimal_quantization=False)


def _summary_context(request, *, notice: str = "", error: str = "") -> dict:
    cart = selectors.account_cart(account=request.user, now=timezone.now())
    view = cart_view(cart=cart, language=get_language())
    return {"cart_view": view, "vat_rate": _vat_rate(view), "notice": notice, "error": error}


def _after_cart_change(request, *, notice: str = "", error: str = "", fallback: str = "ordering:cart"):
    """htmx gets the updated summary with the feedback in it; a plain form post is redirected with a message."""
    if request.htmx:
        return render(request, "orders/cart.html#summary", _summary_context(request, notice=notice, error=error))
    if error:
        messages.error(request, error)
        return redirect(fallback)
    messages.success(request, notice)
    return redirect("ordering:cart")


def _domain_context(request) -> dict:
    """The domain search (`?domain=`): the registry's answer and the offers to add the name with, or why not."""
    query = request.GET.get("domain", "").strip()[:300]
    if not query:
        return {"domain_query": ""}
    try:
        answer = domain_lookup(subsidiary=request.user.subsidiary, name=query)
    except InvalidInput as exc:
        return {"domain_query": query, "domain_error": str(exc)}
    offers = [(pricing, duration_words(pricing.months)) for pricing in answer.pricings]
    return {"domain_query": answer.name, "domain_answer": answer, "domain_offers": offers}


@login_required
def catalog(request):
    """The plans by family; the domain names' family starts with a search whose answer htmx swaps in alone."""
    account = request.user
    context = {"currency": account.subsidiary.currency, **_domain_context(request)}
    if request.htmx and "domain" in request.GET:
        return render(request, "orders/catalog.html#domain_search", context)
    context |= {
        "groups": catalog_groups(account=account, vat_rate=treatment_for(account.subsidiary, account).rate),
        "max_quantity": MAX_QUANTITY,
        **_summary_context(request),
    }
    return render(request, "orders/catalog.html", context)


@login_required
def cart_detail(request):
    return render(request, "orders/cart.html", _summary_context(request))


@login_required
@require_POST
def cart_add(request):
    account = request.user
    form = AddToCartForm(request.POST, subsidiary=account.subsidiary)
    if not form.is_valid():
        error = " ".join(str(message) for errors in form.errors.values() for message in errors)
        return _after_cart_change(request, error=error, fallback="ordering:catalog")
    pricing = form.cleaned_data["pricing"]
    now = timezone.now()
    try:
        cart = selectors.account_cart(account=account, now=now)
        if cart is None:
            cart = cart_assign(cart=cart_create(subsidiary_code=account.subsidiary_id, now=now), account=account)
        item = cart_add_item(
            cart=cart,
            plan_code=pricing.plan.plan_code,
            duration=pricing.duration,
            pricing_mode=pricing.pricing_mode,
            quantity=form.cleaned_data["quantity"],
            domain=form.cleaned_data["domain"].strip(),
        )
    except OrderError as exc:
        return _after_cart_change(request, error=str(exc), fallback="ordering:catalog")
    name = item.domain or pricing.plan.name()
    notice = gettext("%(name)s has been added to your cart.") % {"name": name}
    return _after_cart_change(request, notice=notice)


@login_required
@require_POST
def cart_remove(request, item_id: int):
    cart = selectors.account_cart(account=request.user, now=timezone.now())
    if cart is None:
        return _after_cart_change(request, error=gettext("Your cart is empty."))
    try:
        cart_remove_item(cart=cart, item_id=item_id)
    except OrderError as exc:
        return _after_cart_change(request, error=str(exc))
    return _after_cart_change(request, notice=gettext("The item has been removed from your cart."))


def _checkout_form(request, view: CartView, data=None) -> CheckoutForm:
    language = request.user.language
    return CheckoutForm(
        data,
        consumer=request.user.is_consumer,
        excludable=view.has_excludable,
        revision=view.revision,
        labels={
            "express_request": legal_text("consent_express_request", language),
            "excludable_ack": legal_text("consent_excludable_ack", language),
        },
    )


def _render_checkout(request, view: CartView, form: CheckoutForm):
    language = request.user.language
    context = {
        "cart_view": view,
        "vat_rate": _vat_rate(view),
        "form": form,
        "consumer": request.user.is_consumer,
        "legal": {key: legal_text(key, language, request.user.subsidiary) for key in LEGAL_KEYS},
        "validity_days": settings.ORDER_VALIDITY_DAYS,
    }
    return render(request, "orders/checkout.html", context)


def _to_existing_order(request, order):
    messages.info(
        request, gettext("Your purchase order %(number)s has already been created.") % {"number": order.number}
    )
    return redirect("orders:purchase_order", order_id=order.pk)


@login_required
def checkout(request):
    """GET shows the quote, the withdrawal information and the consents; POST creates the purchase order once."""
    if request.method == "POST":
        return _place_order(request)
    cart = selectors.account_cart(account=request.user, now=timezone.now())
    view = cart_view(cart=cart, language=get_language())
    if view is None or not view.items:
        messages.info(request, gettext("Your cart is empty."))
        return redirect("ordering:cart")
    return _render_checkout(request, view, _checkout_form(request, view))


def _place_order(request):
    """Checks out the cart the page showed (named in the form), so a double submit finds its order."""
    account = request.user
    cart = selectors.account_cart_by_id(account=account, cart_id=request.POST.get("cart"))
    if cart is None:
        messages.error(request, gettext("This cart could not be found. Check your cart and try again."))
        return redirect("ordering:cart")
    if cart.read_only and (order := selectors.cart_order(account=account, cart=cart)):
        return _to_existing_order(request, order)
    view = cart_view(cart=cart, language=get_language())
    form = _checkout_form(request, view, request.POST)
    if not form.is_valid():
        return _render_checkout(request, view, form)
    evidence = Evidence(channel="panel", ip=evidence_ip(request), actor=account)
    try:
        order = cart_checkout(cart=cart, account=account, evidence=evidence, express_request=form.express_requested)
    except OrderError as exc:
        if isinstance(exc, Conflict) and (order := selectors.cart_order(account=account, cart=cart)):
            return _to_existing_order(request, order)
        messages.error(request, str(exc))
        return redirect("ordering:cart")
    created = gettext("Your purchase order %(number)s has been created.") % {"number": order.number}
    pay_url = reverse("orders:pay", kwargs={"order_id": order.pk})
    messages.success(request, format_html('{} <a class="button" href="{}">{}</a>', created, pay_url, gettext("Pay")))
    return redirect("orders:purchase_order", order_id=order.pk)
