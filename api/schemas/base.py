"""The two kinds of model (what the API answers, exact; what it reads, unknown fields ignored) and shared types."""

from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from accounts.models import Subsidiary

from ..params import Documented

# The answer of the routes that answer JSON `null` (ninja's `response=None` would be an empty body).
Null = type(None)


class OvhType(BaseModel):
    """An answer: every field documented, none added (`extra="forbid"`, so a drift fails loudly)."""

    model_config = ConfigDict(extra="forbid")


class OvhBody(BaseModel):
    """A request body: OVHcloud's clients may send fields we do not use; they are ignored."""

    model_config = ConfigDict(extra="ignore")


class Error(OvhType, title="Error"):
    """Every error. errorCode: INVALID_KEY, INVALID_CREDENTIAL, NOT_CREDENTIAL, NOT_GRANTED_CALL, FORBIDDEN
    (403), INVALID_SIGNATURE, QUERY_TIME_OUT (400)."""

    message: str
    errorCode: str | None = None
    httpCode: str | None = None


class Price(OvhType, title="order.Price"):
    currencyCode: str
    text: str
    value: float
    priceInUcents: int


# A subsidiary's code: read in bodies and queries; the document lists the table's codes.
def subsidiary_codes() -> list[str]:
    """The subsidiaries from their table, when the document is generated (no query at import)."""
    return list(Subsidiary.objects.order_by("code").values_list("code", flat=True))


SubsidiaryCode = Annotated[
    str, Field(max_length=Subsidiary._meta.get_field("code").max_length), Documented(enum=subsidiary_codes)
]


def ovh_enum(title: str, values) -> type[Enum]:
    """An OVHcloud enum type as its own component named `title` (a Literal is inlined, unnamed), so that the
    v1 schema documents list it among their models (the manager reads billing.order.OrderStatusEnum there)."""
    enum = Enum(title.replace(".", "_"), [(value, value) for value in values], type=str)

    def json_schema(cls, core_schema, handler):
        schema = handler(core_schema)
        handler.resolve_ref_schema(schema)["title"] = title
        return schema

    enum.__get_pydantic_json_schema__ = classmethod(json_schema)
    return enum
