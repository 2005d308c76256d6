"""/auth: server time, consumer key requests, the current credential."""

import time

from django.urls import reverse

from . import credentials
from .models import ConsumerKey
from .params import Params, parse_body
from .serializers import absolute, iso


def auth_time(request, caller):
    """Unix seconds, a bare JSON integer: clients compute their clock's drift from it."""
    return int(time.time())


def auth_credential(request, caller):
    body = Params(parse_body(request))
    rules = body.array("accessRules", required=True)
    redirection = body.string("redirection", max_length=1000)
    allowed_ips = body.array("allowedIPs")
    consumer = credentials.consumer_key_request(
        application=caller.application, access_rules=rules, redirection=redirection, allowed_ips=allowed_ips
    )
    return {
        "validationUrl": absolute(reverse("api_panel:validate", args=[consumer.validation_token])),
        "consumerKey": consumer.consumer_key,
        "state": ConsumerKey.State.PENDING.value,
    }


def current_credential(request, caller):
    consumer = caller.consumer
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


def logout(request, caller):
    """Expire the consumer key that signed this call."""
    credentials.consumer_key_revoke(consumer=caller.consumer)
    return None


def auth_details(request, caller):
    """auth.Details: who signed this call; the Terraform provider reads `account` at start-up (ovh/config.go)."""
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
