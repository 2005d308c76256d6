"""Routes under /1.0/ (included from controlpanel/urls.py); every one is in the OpenAPI document."""

from django.urls import path, re_path, register_converter

from . import (
    openapi,
    routes_auth,
    routes_billing,
    routes_cart,
    routes_catalog,
    routes_me,
    routes_options,
    routes_orders,
    schema_docs,
)
from .dispatch import Operation, route, unknown_route
from .signing import APPLICATION, NONE, OPTIONAL, REQUIRED


class ApiIdConverter:
    """A numeric id that fits in a 64-bit column (a longer one simply does not exist: 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class SegmentConverter:
    """One path segment (no slash, no NUL: nothing stored has one), as OVHcloud's `{cartId}` or `{product}`."""

    regex = "[^/\\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(ApiIdConverter, "apiid")
register_converter(SegmentConverter, "segment")

Op = Operation
cart = "order/cart/<segment:cart_id>"
item = f"{cart}/item/<apiid:item_id>"
order = "me/order/<apiid:order_id>"
detail = f"{order}/details/<apiid:detail_id>"

urlpatterns = [
    path("openapi.json", route(GET=Op(openapi.openapi_document, NONE)), name="api_openapi"),
    # OVHcloud's v1 schema documents, derived from the OpenAPI document
    path("auth.json", route(GET=Op(schema_docs.auth_schema, NONE))),
    path("me.json", route(GET=Op(schema_docs.me_schema, NONE))),
    path("order.json", route(GET=Op(schema_docs.order_schema, NONE))),
    # auth
    path("auth/time", route(GET=Op(routes_auth.auth_time, NONE))),
    path("auth/credential", route(POST=Op(routes_auth.auth_credential, APPLICATION))),
    path("auth/currentCredential", route(GET=Op(routes_auth.current_credential, REQUIRED))),
    path("auth/logout", route(POST=Op(routes_auth.logout, REQUIRED))),
    path("auth/details", route(GET=Op(routes_auth.auth_details, REQUIRED))),
    # me
    path("me", route(GET=Op(routes_me.me, REQUIRED))),
    path("me/payment/method", route(GET=Op(routes_me.payment_method_list, REQUIRED))),
    path("me/payment/method/<apiid:method_id>", route(GET=Op(routes_me.payment_method_get, REQUIRED))),
    path("me/bill", route(GET=Op(routes_me.bill_list, REQUIRED))),
    path("me/bill/<segment:bill_id>", route(GET=Op(routes_me.bill_get, REQUIRED))),
    path("me/bill/<segment:bill_id>/details", route(GET=Op(routes_billing.bill_details, REQUIRED))),
    path(
        "me/bill/<segment:bill_id>/details/<segment:bill_detail_id>",
        route(GET=Op(routes_billing.bill_detail, REQUIRED)),
    ),
    path("me/refund", route(GET=Op(routes_me.refund_list, REQUIRED))),
    path("me/refund/<apiid:refund_id>", route(GET=Op(routes_me.refund_get, REQUIRED))),
    # orders
    path("me/order", route(GET=Op(routes_orders.order_list, REQUIRED))),
    path(order, route(GET=Op(routes_orders.order_get, REQUIRED))),
    path(f"{order}/status", route(GET=Op(routes_orders.order_status, REQUIRED))),
    path(f"{order}/followUp", route(GET=Op(routes_orders.order_follow_up, REQUIRED))),
    path(f"{order}/details", route(GET=Op(routes_orders.order_details, REQUIRED))),
    path(detail, route(GET=Op(routes_orders.order_detail, REQUIRED))),
    path(f"{detail}/extension", route(GET=Op(routes_orders.order_detail_extension, REQUIRED))),
    path(f"{order}/associatedObject", route(GET=Op(routes_orders.order_associated_object, REQUIRED))),
    path(f"{order}/paymentMethods", route(GET=Op(routes_orders.order_payment_methods, REQUIRED))),
    path(f"{order}/pay", route(POST=Op(routes_orders.order_pay_route, REQUIRED))),
    path(
        f"{order}/availableRegisteredPaymentMean",
        route(GET=Op(routes_billing.available_registered_payment_means, REQUIRED)),
    ),
    path(
        f"{order}/payWithRegisteredPaymentMean",
        route(POST=Op(routes_billing.pay_with_registered_payment_mean, REQUIRED)),
    ),
    path(f"{order}/payment", route(GET=Op(routes_billing.order_payment, REQUIRED))),
    path(f"{order}/debt", route(GET=Op(routes_billing.order_debt, REQUIRED))),
    path(f"{order}/retraction", route(POST=Op(routes_orders.order_retraction, REQUIRED))),
    path(f"{order}/waiveRetraction", route(POST=Op(routes_orders.order_waive_retraction_route, REQUIRED))),
    # carts
    path(
        "order/cart",
        route(GET=Op(routes_cart.cart_list, REQUIRED), POST=Op(routes_cart.cart_create_route, OPTIONAL)),
    ),
    path(
        cart,
        route(
            GET=Op(routes_cart.cart_get, OPTIONAL),
            PUT=Op(routes_cart.cart_put, OPTIONAL),
            DELETE=Op(routes_cart.cart_delete, OPTIONAL),
        ),
    ),
    path(f"{cart}/assign", route(POST=Op(routes_cart.cart_assign_route, REQUIRED))),
    path(f"{cart}/summary", route(GET=Op(routes_cart.cart_summary, OPTIONAL))),
    path(
        f"{cart}/checkout",
        route(GET=Op(routes_cart.cart_checkout_quote, OPTIONAL), POST=Op(routes_cart.cart_checkout_route, REQUIRED)),
    ),
    path(f"{cart}/item", route(GET=Op(routes_cart.item_list, OPTIONAL))),
    path(
        item,
        route(
            GET=Op(routes_cart.item_get, OPTIONAL),
            PUT=Op(routes_cart.item_put, OPTIONAL),
            DELETE=Op(routes_cart.item_delete, OPTIONAL),
        ),
    ),
    path(f"{item}/requiredConfiguration", route(GET=Op(routes_cart.item_required_configuration, OPTIONAL))),
    path(
        f"{item}/configuration",
        route(GET=Op(routes_cart.configuration_list, OPTIONAL), POST=Op(routes_cart.configuration_add, OPTIONAL)),
    ),
    path(
        f"{item}/configuration/<apiid:configuration_id>",
        route(
            GET=Op(routes_cart.configuration_get, OPTIONAL),
            DELETE=Op(routes_cart.configuration_delete, OPTIONAL),
        ),
    ),
    path(
        f"{cart}/<segment:product>",
        route(GET=Op(routes_cart.product_offers, OPTIONAL), POST=Op(routes_cart.product_add, OPTIONAL)),
    ),
    path(
        f"{cart}/<segment:product>/options",
        route(GET=Op(routes_options.product_options, OPTIONAL), POST=Op(routes_options.option_add, OPTIONAL)),
    ),
    # catalogs
    path("order/catalog/formatted", route(GET=Op(routes_catalog.formatted_names, NONE))),
    path("order/catalog/formatted/<segment:name>", route(GET=Op(routes_catalog.formatted_catalog, NONE))),
    path("order/catalog/public/<segment:name>", route(GET=Op(routes_catalog.public_catalog, NONE))),
    # anything else under /1.0/: a JSON 404
    re_path(r"^.*$", unknown_route),
]
