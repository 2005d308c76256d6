"""API credentials as OVHcloud's: applications (key + secret) and the consumer keys customers validate.

An application is created by a customer in the panel: its key is public, its secret is shown once and
kept encrypted (Fernet, see `api.crypto`). A consumer key is asked for by a program with access
rules (`POST /1.0/auth/credential`) and linked to the customer's account when they validate it in the
panel, for a validity they choose.
"""

import secrets
import string
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

_ALPHABET = string.ascii_letters + string.digits

# A consumer key nobody validated is of no use after this long.
PENDING_VALIDITY = timedelta(hours=24)


def random_key(length: int) -> str:
    """OVHcloud-style key: letters and digits (application key 16, secret and consumer key 32)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_application_key() -> str:
    return random_key(16)


def new_consumer_key() -> str:
    return random_key(32)


def new_validation_token() -> str:
    return secrets.token_urlsafe(32)


class ApiApplication(models.Model):
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_applications")
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    application_key = models.CharField(max_length=32, unique=True, default=new_application_key, editable=False)
    application_secret_encrypted = models.TextField(editable=False, help_text=_("Fernet token of the secret."))
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_apiapplication"  # created by accounts' migrations, before this app existed
        ordering = ["-created_at", "-id"]
        verbose_name = _("API application")
        verbose_name_plural = _("API applications")

    def __str__(self) -> str:
        return f"{self.name} ({self.application_key})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ConsumerKey(models.Model):
    """OVHcloud's credential: access rules, a state, a validity, the IPs it may be used from."""

    class State(models.TextChoices):
        PENDING = "pendingValidation", _("Awaiting validation")
        VALIDATED = "validated", _("Validated")
        REFUSED = "refused", _("Refused")
        EXPIRED = "expired", pgettext_lazy("API key state", "Expired")
        REVOKED = "revoked", _("Revoked")

    application = models.ForeignKey(ApiApplication, on_delete=models.CASCADE, related_name="consumer_keys")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_consumer_keys",
        help_text=_("The customer who validated it; empty until then."),
    )
    consumer_key = models.CharField(max_length=64, unique=True, default=new_consumer_key, editable=False)
    access_rules = models.JSONField(default=list, help_text=_('[{"method": "GET", "path": "/me/*"}, …]'))
    state = models.CharField(max_length=20, choices=State, default=State.PENDING)
    validation_token = models.CharField(max_length=64, unique=True, default=new_validation_token, editable=False)
    redirection = models.URLField(max_length=1000, blank=True)
    allowed_ips = models.JSONField(default=list, blank=True, help_text=_("CIDRs; empty means anywhere."))
    created_at = models.DateTimeField(default=timezone.now)
    validated_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text=_("Empty once validated: unlimited."))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_consumerkey"
        ordering = ["-created_at", "-id"]
        verbose_name = _("API consumer key")
        verbose_name_plural = _("API consumer keys")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="validated") | models.Q(account__isnull=False),
                name="validated_consumer_key_has_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consumer_key[:6]}… {self.state}"

    def effective_state(self, now=None) -> str:
        """The state as of `now`: a pending or validated key past its expiry counts as expired."""
        now = now or timezone.now()
        if self.state == self.State.PENDING and self.created_at + PENDING_VALIDITY <= now:
            return self.State.EXPIRED
        if self.state == self.State.VALIDATED and self.expires_at is not None and self.expires_at <= now:
            return self.State.EXPIRED
        return self.state
