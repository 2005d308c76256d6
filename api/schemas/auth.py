"""/auth: auth.Credential, api.Credential and the access rules."""

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from ..credentials import MAX_RULES
from ..params import text
from ..signing import METHODS
from .base import OvhBody, OvhType


class AccessRule(OvhBody, title="auth.AccessRule"):
    """Read in requests (any letter case for the method) and answered as stored."""

    method: Literal[METHODS]
    path: str = Field(pattern="^/", max_length=500)


def _upper_method(rule):
    if isinstance(rule, dict) and isinstance(rule.get("method"), str):
        return {**rule, "method": rule["method"].upper()}
    return rule


class CredentialRequest(OvhBody, title="auth.CredentialRequest"):
    accessRules: list[Annotated[AccessRule, BeforeValidator(_upper_method)]] = Field(min_length=1, max_length=MAX_RULES)
    redirection: text(1000, json_schema_extra={"format": "uri"}) | None = None
    allowedIPs: list[str] | None = None


class Credential(OvhType, title="auth.Credential"):
    validationUrl: str
    consumerKey: str
    state: Literal["pendingValidation"]


class CurrentCredential(OvhType, title="api.Credential"):
    credentialId: int
    applicationId: int
    creation: str = Field(json_schema_extra={"format": "date-time"})
    expiration: str | None = Field(json_schema_extra={"format": "date-time"})
    lastUse: str | None = Field(json_schema_extra={"format": "date-time"})
    ovhSupport: bool
    status: Literal["validated"]
    rules: list[AccessRule]
    allowedIPs: list[str] | None


class Details(OvhType, title="auth.Details"):
    account: str
    allowedRoutes: list[AccessRule]
    description: str
    identities: list[str]
    method: Literal["account", "provider", "user"]
    roles: list[str]
    user: str | None
