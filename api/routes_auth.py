"""/auth: server time, consumer key requests, the current credential."""

import time

from django.urls import reverse
from ninja import Router

from . import credentials
from .models import ConsumerKey
from .schemas.auth import Credential, CredentialRequest, CurrentCredential, Details
from .schemas.base import Null
from .serializers import absolute, iso
from .signing import APPLICATION_KEY, PUBLIC, SIGNED_CALL

router = Router(tags=["auth"])


@router.get("/auth/time", auth=PUBLIC, response=int, operation_id="getAuthTime", summary="Server time (unix seconds)")
def auth_time(request):
    """A bare JSON integer: clients compute their clock's drift from it."""
    return int(time.time())


@router.post(
    "/auth/credential",
    auth=APPLICATION_KEY,
    response=Credential,
    operation_id="postAuthCredential",
    summary="Request a consumer key for access rules; the customer validates it at validationUrl",
)
def auth_credential(request, body: CredentialRequest):
    consumer = credentials.consumer_key_request(
        application=request.auth.application,
        access_rules=[rule.model_dump() for rule in body.accessRules],
        redirection=body.redirection,
        allowed_ips=body.allowedIPs,
    )
    return {
        "validationUrl": absolute(reverse("api_panel:validate", args=[consumer.validation_token])),
        "consumerKey": consumer.consumer_key,
        "state": ConsumerKey.State.PENDING.value,
    }


@router.get(
    "/auth/currentCredential",
    auth=SIGNED_CALL,
    response=CurrentCredential,
    operation_id="getAuthCurrentCredential",
    summary="The consumer key that signed this call",
)
def current_credential(request):
    consumer = request.auth.consumer
    return {
        "credentialId": consumer.pk,
        "applicationId": consumer.application_id,
        "creation": iso(consumer.created_at),
        "expiration": iso(consumer.expires_at),
        "lastUse": iso(consumer.last_used_at),
        "ovhSupport": False,
        "status": consumer.state,
        "rules": consumer.access_rules,
        "allowedIPs": consumer.allowed_ips or None,
    }


@router.post(
    "/auth/logout",
    auth=SIGNED_CALL,
    response=Null,
    operation_id="postAuthLogout",
    summary="Expire the consumer key that signed this call",
)
def logout(request):
    credentials.consumer_key_revoke(consumer=request.auth.consumer)
    return None


@router.get(
    "/auth/details", auth=SIGNED_CALL, response=Details, operation_id="getAuthDetails", summary="Who signed this call"
)
def auth_details(request):
    """auth.Details: who signed this call; the Terraform provider reads `account` at start-up (ovh/config.go)."""
    caller = request.auth
    account = caller.account
    return {
        "account": account.handle,
        "allowedRoutes": caller.consumer.access_rules,
        "description": caller.application.name,
        "identities": [f"urn:v1:eu:identity:account:{account.handle}"],
        "method": "account",
        "roles": [],
        "user": None,
    }
