"""The /1.0 API as one django-ninja application: its routers, auth, errors, rendering and OpenAPI document.

Each route module (routes_*.py) is a ninja Router whose operations name their OVHcloud schemas
(api/schemas/), their auth callable (api/signing.py) and, where any, their throttle (api/throttle.py).
From them ninja validates every request and this module generates the OpenAPI document, with OVHcloud's
type names as component names, the signing security schemes and the error responses. api/urls.py mounts
the views under /1.0/ (HEAD as GET, OVHcloud's 405 and 404).

A route: `@router.get("/me/order/{apiid:orderId}", auth=SIGNED_CALL, response=BillingOrder,
operation_id="getMeOrder", summary="…")` on `def order_get(request, orderId: ApiId)`. Path parameters
carry OVHcloud's names and a converter (`apiid`, `segment`: api/urls.py); a body is one OvhBody parameter
(with a default instance when all its fields are optional, so that an empty body is valid); query
parameters are typed arguments. `request.auth` is the `Caller`. Raise ApiError, InvalidInput, Conflict:
errors.HANDLERS answers them. Return the serializer's dict: the response schema checks it. A list route
that also answers pages of objects (api/paging.py) takes `openapi_extra=PAGES` and returns `page_response(...)`.
The v1 schema documents (/me.json…) are converted from this module's document by api/schema_docs.py.
"""

import functools
import json
from typing import Any

import pydantic
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from ninja import NinjaAPI, Router
from ninja.errors import ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer

from . import (
    errors,
    routes_auth,
    routes_billing,
    routes_cart,
    routes_catalog,
    routes_domain,
    routes_me,
    routes_options,
    routes_orders,
    schema_docs,
)
from .params import OvhParser
from .schemas.base import Error, OvhBody, OvhType
from .signing import PUBLIC

API_VERSION = "1.0"

meta = Router(tags=["meta"])


@meta.get("/openapi.json", auth=PUBLIC, response=dict[str, Any], operation_id="getOpenApi", summary="This document")
def openapi_json(request):
    return document()


class V1Document(OvhType, title="api.V1Document"):
    """OVHcloud's v1 schema document of one resource (api/schema_docs.py)."""

    apiVersion: str
    swaggerVersion: str
    basePath: str
    resourcePath: str
    apis: list[dict[str, Any]]
    models: dict[str, Any]


def _v1_route(resource: str) -> None:
    @meta.get(
        f"/{resource}.json",
        auth=PUBLIC,
        response=V1Document,
        operation_id=f"get{resource.title()}Schema",
        summary=f"OVHcloud's v1 schema document of /{resource} (apis, models), derived from this one",
    )
    def v1_document(request):
        return schema_docs.schema_document(document(), f"/{resource}")


for _resource in ("auth", "me", "order"):
    _v1_route(_resource)


ROUTERS = (
    meta,
    routes_auth.router,
    routes_me.router,
    routes_orders.router,
    routes_billing.router,
    routes_options.router,
    routes_domain.router,  # before the cart's `{product}`
    routes_cart.router,
    routes_catalog.router,
)
SECURITY_SCHEMES = {
    name: {"type": "apiKey", "in": "header", "name": header}
    for name, header in (
        ("application", "X-Ovh-Application"),
        ("consumer", "X-Ovh-Consumer"),
        ("timestamp", "X-Ovh-Timestamp"),
        ("signature", "X-Ovh-Signature"),
    )
}
ERROR_RESPONSE = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


class OvhRenderer(JSONRenderer):
    media_type = "application/json"
    json_dumps_params = {"ensure_ascii": False}


class OvhOpenAPISchema(OpenAPISchema):
    """Ninja's document, plus what OVHcloud's API says of every operation: who may call, how it fails."""

    def operation_details(self, operation) -> dict:
        details = super().operation_details(operation)
        (auth,) = operation.auth_callbacks
        details["security"] = auth.security
        for status in self.error_statuses(operation, auth):
            details["responses"][status] = ERROR_RESPONSE
        details["responses"]["default"] = ERROR_RESPONSE
        if not details["parameters"]:
            del details["parameters"]
        return details

    def error_statuses(self, operation, auth) -> list[int]:
        statuses = [400, 404]
        if auth.security != [{}]:
            statuses.append(403)
        if set(operation.methods) - {"GET"}:
            statuses.append(409)
        if operation.throttle_objects:
            statuses.append(429)
        return sorted(statuses)


def _check_unique_names(*bases) -> None:
    """Ninja merges each model's definitions by class name: two models of one name would overwrite each other."""
    seen: dict[str, type] = {}
    stack = list(bases)
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        if seen.setdefault(model.__name__, model) is not model:
            raise ImproperlyConfigured(f"Two API schemas are named {model.__name__}: rename one")


def ovh_component_names(document: dict) -> dict:
    """Components renamed from the Python class names to their titles, OVHcloud's type names."""
    schemas = document["components"]["schemas"]
    renames = {name: schema["title"] for name, schema in schemas.items() if schema.get("title", name) != name}
    text = json.dumps(document)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    document = json.loads(text)
    renamed = document["components"]["schemas"]
    _drop_field_titles(document)
    document["components"]["schemas"] = {renames.get(name, name): schema for name, schema in renamed.items()}
    return document


def _drop_field_titles(document: dict) -> None:
    """Pydantic titles every field after its name ("Plancode"): noise, unlike the components' OVHcloud names."""

    def drop(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("title"), str):
                del node["title"]
            for value in node.values():
                drop(value)
        elif isinstance(node, list):
            for value in node:
                drop(value)

    drop(document["paths"])
    for schema in document["components"]["schemas"].values():
        title = schema.get("title")
        drop(schema)
        if title:
            schema["title"] = title


class OvhApi(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        response["X-Ovh-QueryId"] = errors.query_id()
        response["Cache-Control"] = "no-store"
        return response

    def get_content_type(self) -> str:
        return "application/json"

    def validation_error_from_error_contexts(self, error_contexts) -> ValidationError:
        """Each error located by the parameter's name alone (without ninja's `body`/`query` and variable)."""
        located = []
        for context in error_contexts:
            model, error = context.model, context.pydantic_validation_error
            body = getattr(model, "__read_from_single_attr__", None)
            for item in error.errors(include_url=False):
                loc = item["loc"]
                if body and loc == (body,) and item["type"] == "missing":  # an empty body: name the first field
                    located.extend(self._empty_body_errors(model.model_fields[body].annotation))
                    continue
                located.append({"loc": loc[1:] if body and loc[:1] == (body,) else loc, **_rest(item)})
        return ValidationError(located)

    @staticmethod
    def _empty_body_errors(schema) -> list[dict]:
        try:
            schema.model_validate({})
        except pydantic.ValidationError as error:
            return [{"loc": item["loc"], **_rest(item)} for item in error.errors(include_url=False)]
        return [{"loc": (), "type": "missing", "msg": ""}]  # a body with no required field: give it a default

    def get_openapi_schema(self, *, path_prefix=None, path_params=None) -> dict:
        document = dict(OvhOpenAPISchema(api=self, path_prefix=""))
        document["components"].setdefault("schemas", {})["Error"] = Error.model_json_schema()
        document["components"]["securitySchemes"] = SECURITY_SCHEMES
        return ovh_component_names(document)


def _rest(item: dict) -> dict:
    return {"type": item["type"], "msg": item["msg"]}


def in_callers_language(view):
    """Run a route in the account's language; anonymously, in the one the request asks for."""

    @functools.wraps(view)
    def in_language(request, *args, **kwargs):
        caller = request.auth
        language = caller.account.language if caller.account else translation.get_language_from_request(request)
        with translation.override(language or "en"):
            return view(request, *args, **kwargs)

    return in_language


api = OvhApi(
    title="Control panel orders API",
    version=API_VERSION,
    description=(
        "Wire-compatible with OVHcloud's /1.0 order routes. Signed calls carry X-Ovh-Application, "
        'X-Ovh-Consumer, X-Ovh-Timestamp and X-Ovh-Signature = "$1$" + sha1(AS+"+"+CK+"+"+METHOD+"+"+'
        'URL+"+"+BODY+"+"+TIMESTAMP).'
    ),
    openapi_url=None,
    docs_url=None,
    urls_namespace="api",
    parser=OvhParser(),
    renderer=OvhRenderer(),
)
for exception, handler in errors.HANDLERS.items():
    api.add_exception_handler(exception, handler)
api.add_decorator(in_callers_language)
for router in ROUTERS:
    api.add_router("", router)
_check_unique_names(OvhType, OvhBody)


def document() -> dict:
    """The OpenAPI document, with the server's public URL."""
    return {**api.get_openapi_schema(), "servers": [{"url": f"{settings.PUBLIC_BASE_URL.rstrip('/')}/{API_VERSION}"}]}
