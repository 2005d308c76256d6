"""Creating, validating and revoking API credentials: the panel, `create_token` and /auth/credential share it."""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.errors import Conflict, InvalidInput

from .crypto import encrypt_secret
from .models import ApiApplication, ConsumerKey, random_key
from .params import unstorable
from .signing import METHODS

MAX_RULES = 100

# Validities the customer picks from when validating a consumer key; None is unlimited.
VALIDITIES = {
    "1h": (timedelta(hours=1), gettext_lazy("1 hour")),
    "24h": (timedelta(hours=24), gettext_lazy("24 hours")),
    "30d": (timedelta(days=30), gettext_lazy("30 days")),
    "unlimited": (None, gettext_lazy("Unlimited")),
}


@dataclass(frozen=True)
class NewApplication:
    application: ApiApplication
    secret: str  # shown once, never stored in clear


def application_create(*, account: User, name: str, description: str = "") -> NewApplication:
    # The panel reads these from request.POST, not through a Django form (whose CharField refuses NUL),
    # and create_token from the command line: PostgreSQL would refuse a NUL with a DataError.
    name, description = name.strip(), description.strip()
    for field, value in (("name", name), ("description", description)):
        if unstorable(value):
            raise InvalidInput(_("Null characters are not allowed."), field=field)
    if not name:
        raise InvalidInput(_("Give the application a name."), field="name")
    if len(name) > 100:
        raise InvalidInput(_("The name is limited to 100 characters."), field="name")
    if len(description) > 500:
        raise InvalidInput(_("The description is limited to 500 characters."), field="description")
    secret = random_key(32)
    application = ApiApplication.objects.create(
        account=account, name=name, description=description, application_secret_encrypted=encrypt_secret(secret)
    )
    return NewApplication(application=application, secret=secret)


def application_revoke(*, application: ApiApplication, now: datetime | None = None) -> None:
    """Revoke an application and every consumer key issued to it."""
    now = now or timezone.now()
    with transaction.atomic():
        ApiApplication.objects.filter(pk=application.pk, revoked_at__isnull=True).update(revoked_at=now)
        application.consumer_keys.exclude(state=ConsumerKey.State.REVOKED).update(
            state=ConsumerKey.State.REVOKED, revoked_at=now
        )


def clean_access_rules(rules) -> list[dict]:
    if not isinstance(rules, list) or not rules:
        raise InvalidInput(_("Give at least one access rule."), field="accessRules")
    if len(rules) > MAX_RULES:
        raise InvalidInput(_("At most %(max)d access rules.") % {"max": MAX_RULES}, field="accessRules")
    cleaned = []
    for rule in rules:
        if not isinstance(rule, dict):
            raise InvalidInput(_("Each access rule is an object {method, path}."), field="accessRules")
        method, path = rule.get("method"), rule.get("path")
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise InvalidInput(_("An access rule's method is one of GET, POST, PUT, DELETE."), field="accessRules")
        if not isinstance(path, str) or not path.startswith("/") or len(path) > 500:
            raise InvalidInput(_("An access rule's path starts with “/”."), field="accessRules")
        cleaned.append({"method": method.upper(), "path": path})
    return cleaned


def clean_redirection(redirection) -> str:
    if redirection in (None, ""):
        return ""
    if not isinstance(redirection, str) or len(redirection) > 1000:
        raise InvalidInput(_("The redirection must be an http or https URL."), field="redirection")
    parts = urlsplit(redirection)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InvalidInput(_("The redirection must be an http or https URL."), field="redirection")
    return redirection


def clean_allowed_ips(allowed) -> list[str]:
    if allowed in (None, ""):
        return []
    if not isinstance(allowed, list) or len(allowed) > 100:
        raise InvalidInput(_("allowedIPs is a list of IP addresses or CIDR blocks."), field="allowedIPs")
    cleaned = []
    for cidr in allowed:
        try:
            cleaned.append(str(ipaddress.ip_network(str(cidr), strict=False)))
        except ValueError:
            raise InvalidInput(
                _("“%(ip)s” is not an IP address or CIDR block.") % {"ip": cidr}, field="allowedIPs"
            ) from None
    return cleaned


def consumer_key_request(
    *, application: ApiApplication, access_rules, redirection=None, allowed_ips=None
) -> ConsumerKey:
    """POST /auth/credential: a pending consumer key the customer validates in the panel."""
    return ConsumerKey.objects.create(
        application=application,
        access_rules=clean_access_rules(access_rules),
        redirection=clean_redirection(redirection),
        allowed_ips=clean_allowed_ips(allowed_ips),
    )


def consumer_key_validate(
    *, consumer: ConsumerKey, account: User, validity: str, now: datetime | None = None
) -> ConsumerKey:
    now = now or timezone.now()
    if validity not in VALIDITIES:
        raise InvalidInput(_("Choose one of the validities offered."), field="validity")
    with transaction.atomic():
        locked = ConsumerKey.objects.select_for_update().get(pk=consumer.pk)
        if locked.effective_state(now) != ConsumerKey.State.PENDING or not locked.application.is_active:
            raise Conflict(_("This request is no longer awaiting validation."))
        delta = VALIDITIES[validity][0]
        locked.account = account
        locked.state = ConsumerKey.State.VALIDATED
        locked.validated_at = now
        locked.expires_at = now + delta if delta else None
        locked.save(update_fields=["account", "state", "validated_at", "expires_at"])
    return locked


def consumer_key_refuse(*, consumer: ConsumerKey, now: datetime | None = None) -> None:
    now = now or timezone.now()
    updated = ConsumerKey.objects.filter(pk=consumer.pk, state=ConsumerKey.State.PENDING).update(
        state=ConsumerKey.State.REFUSED, revoked_at=now
    )
    if not updated:
        raise Conflict(_("This request is no longer awaiting validation."))


def consumer_key_revoke(*, consumer: ConsumerKey, now: datetime | None = None) -> None:
    now = now or timezone.now()
    ConsumerKey.objects.filter(pk=consumer.pk).exclude(state=ConsumerKey.State.REVOKED).update(
        state=ConsumerKey.State.REVOKED, revoked_at=now
    )


def token_create(*, account: User, rules: list[dict], name: str = "create_token") -> dict:
    """An application and a validated, unlimited consumer key in one go (OVHcloud's createToken page)."""
    with transaction.atomic():
        new = application_create(account=account, name=name, description=_("Created with create_token"))
        consumer = ConsumerKey.objects.create(
            application=new.application,
            account=account,
            access_rules=clean_access_rules(rules),
            state=ConsumerKey.State.VALIDATED,
            validated_at=timezone.now(),
        )
    return {
        "application_key": new.application.application_key,
        "application_secret": new.secret,
        "consumer_key": consumer.consumer_key,
    }
