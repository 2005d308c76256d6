"""Shared by the abuse tests (access sweep, CSRF): the URL patterns walked from the resolver, a customer
who owns one of every kind of object the panel and the API address by id, and a snapshot of the rows.

The patterns come from `get_resolver()`, never from a hand-written list, so that a new route is swept
(or makes the sweep fail until someone says how to fill it).
"""

import re
from dataclasses import dataclass

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import router
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import PaymentMethod
from api.credentials import token_create
from api.models import ApiApplication, ConsumerKey
from orders.models import Cart, CartItem, CreditNote, Invoice, Order, OrderLine, Refund, SupportingDocument
from orders.services.carts import cart_add_item, cart_assign, cart_create
from orders.services.consents import Evidence
from orders.services.payments import order_pay
from orders.services.supporting_documents import supporting_documents_upload
from orders.services.validation import order_request_documents
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from tests.support.api import ALL_RULES
from tests.support.factories import PaymentMethodFactory, PricingFactory, UserFactory, place_order

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass(frozen=True)
class Route:
    path: str  # the full pattern, e.g. "orders/<int:order_id>/pay/"
    name: str  # "orders:pay", or "" for unnamed patterns
    callback: object
    params: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return self.path.startswith("admin/")

    @property
    def is_api(self) -> bool:
        return self.path.startswith("1.0/")


def all_routes() -> list[Route]:
    """Every URL pattern of the project, with its full path and the names of its parameters."""
    routes: list[Route] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), inner or namespace)
            elif isinstance(entry, URLPattern):
                regex = entry.pattern.regex
                name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
                routes.append(Route(prefix + str(entry.pattern), name, entry.callback, frozenset(regex.groupindex)))

    walk(get_resolver(), "", "")
    return routes


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def url_for(route: Route, values: dict) -> str:
    """The route's path with its parameters filled (unnamed routes too)."""
    return "/" + PARAMETER.sub(lambda m: str(values[m.group(1)]), route.path)


def panel_routes() -> list[Route]:
    """The customer-facing routes: not Django admin (staff only) and not the signed /1.0/ API."""
    return [route for route in all_routes() if not route.is_admin and not route.is_api]


def api_routes() -> list[Route]:
    """The /1.0/ routes that dispatch operations (each view lists its methods in `operations`)."""
    return [route for route in all_routes() if route.is_api and hasattr(route.callback, "operations")]


@dataclass(frozen=True)
class Estate:
    """One customer and one of each object the panel and the API name by id, all of them real."""

    account: object
    order: Order  # paid, invoiced, withdrawn, refunded: it has a bill and a credit note
    line: OrderLine
    invoice: Invoice
    refund: Refund
    credit_note: CreditNote
    document_order: Order  # documents were requested and one was uploaded
    document: SupportingDocument
    unpaid_order: Order
    method: PaymentMethod
    application: ApiApplication
    consumer_key: ConsumerKey
    cart: Cart  # open, assigned to the account, with an item that has a configuration
    cart_item: CartItem
    api_token: dict  # application_key, application_secret, consumer_key


def build_estate(*, username: str) -> Estate:
    """Everything through the real services; needs a transactional test (the gateway runs outside transactions)
    and eager Celery (the unit-test default), so that the invoice, the refund and the credit note exist on return.
    """
    account = UserFactory(username=username)
    pricing = PricingFactory(subsidiary=account.subsidiary)
    method = PaymentMethodFactory(account=account)

    # First paid order of the account: it goes to validation, where staff ask for documents.
    document_order = place_order(account=account, pricings=[pricing])
    order_pay(order_id=document_order.pk, account=account, method=method)
    order_request_documents(order_id=document_order.pk, staff=None, today=timezone.localdate())
    (document,) = supporting_documents_upload(
        order_id=document_order.pk,
        account=account,
        files=[SimpleUploadedFile("id-card.pdf", PDF, content_type="application/pdf")],
    )

    order = place_order(account=account, pricings=[pricing])
    order_pay(order_id=order.pk, account=account, method=method)
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True, reason="unused"),
        evidence=Evidence(channel="panel", actor=account),
        channel="panel",
    )
    refund = Refund.objects.get(order=order)
    token = token_create(account=account, rules=ALL_RULES)
    cart = cart_assign(cart=cart_create(subsidiary_code=account.subsidiary_id), account=account)
    item = cart_add_item(
        cart=cart, plan_code=pricing.plan.plan_code, duration=pricing.duration, pricing_mode=pricing.pricing_mode
    )
    CartItem.objects.filter(pk=item.pk).update(configurations={"1": {"label": "dc", "value": "gra"}})
    return Estate(
        account=account,
        order=Order.objects.get(pk=order.pk),
        line=order.lines.get(),
        invoice=Invoice.objects.get(order=order),
        refund=refund,
        credit_note=CreditNote.objects.get(refund=refund),
        document_order=Order.objects.get(pk=document_order.pk),
        document=document,
        unpaid_order=place_order(account=account, pricings=[pricing]),
        method=method,
        application=ApiApplication.objects.get(application_key=token["application_key"]),
        consumer_key=ConsumerKey.objects.get(consumer_key=token["consumer_key"]),
        cart=cart,
        cart_item=item,
        api_token=token,
    )


# Panel routes by their parameters: the values of an estate's objects. Every route with these parameters is
# filled from them (the access sweep fails on a parameterised route it does not know).
PANEL_FILL = {
    frozenset({"order_id"}): lambda e: {"order_id": e.order.pk},
    frozenset({"order_id", "note_id"}): lambda e: {"order_id": e.order.pk, "note_id": e.credit_note.pk},
    frozenset({"order_id", "refund_id"}): lambda e: {"order_id": e.order.pk, "refund_id": e.refund.pk},
    frozenset({"order_id", "doc_id"}): lambda e: {"order_id": e.document_order.pk, "doc_id": e.document.pk},
    frozenset({"method_id"}): lambda e: {"method_id": e.method.pk},
    frozenset({"application_id"}): lambda e: {"application_id": e.application.pk},
    frozenset({"key_id"}): lambda e: {"key_id": e.consumer_key.pk},
    frozenset({"item_id"}): lambda e: {"item_id": e.cart_item.pk},
}


# Rows that requests of other customers (or requests refused for lack of a CSRF token) must leave alone.
SNAPSHOT_APPS = ("core", "payments", "accounts", "catalog", "orders", "api")
# Written by logging in and by every signed API call (the caller's own key), not by the actions under test.
SNAPSHOT_IGNORED_FIELDS = {"last_login", "last_used_at"}
# The requests' own state (core.sessions keeps sessions among core's models), written by logging in and browsing.
SNAPSHOT_IGNORED_MODELS = {"core.Session"}


def db_snapshot() -> dict[str, list[dict]]:
    """Every row of the project's models in both databases, by model, ordered by primary key."""
    snapshot = {}
    for label in SNAPSHOT_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label in SNAPSHOT_IGNORED_MODELS:
                continue
            rows = model.objects.using(router.db_for_read(model)).order_by("pk").values()
            snapshot[model._meta.label] = [
                {key: value for key, value in row.items() if key not in SNAPSHOT_IGNORED_FIELDS} for row in rows
            ]
    return snapshot


def snapshot_changes(before: dict, after: dict) -> list[str]:
    """The models whose rows differ, with how many rows they had before and after."""
    return [
        f"{label}: {len(before[label])} rows before, {len(after[label])} after"
        for label in before
        if before[label] != after[label]
    ]
