"""The two kinds of model (what the API answers, exact; what it reads, unknown fields ignored) and shared types."""

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
