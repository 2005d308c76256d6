"""The order's history and the evidence of what the customer was told and agreed to."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderEvent(models.Model):
    """One row per thing that happened to an order: the tracking page, admin history and API follow-up."""

    class Channel(models.TextChoices):
        SYSTEM = "system", _("System")
        PANEL = "panel", _("Control panel")
        API = "api", _("API")
        STAFF = "staff", _("Staff")

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(db_default=models.functions.Now())
    label = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(max_length=10, choices=Channel, default=Channel.SYSTEM)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.label}"


class Consent(models.Model):
    """Evidence, kept 5 years: the exact versioned text shown, in which language, when, from where."""

    class Kind(models.TextChoices):
        INFORMATION_GIVEN = "information_given", _("Withdrawal information given")
        EXPRESS_REQUEST = "express_request", _("Express request to start within the withdrawal period")
        EXCLUDABLE_ACK = "excludable_ack", _("Acknowledgement of losing the right once delivered")

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=24, choices=Kind)
    text_key = models.CharField(max_length=64)
    text_version = models.CharField(max_length=16)
    language = models.CharField(max_length=8)
    text = models.TextField()
    given_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    channel = models.CharField(max_length=10, choices=OrderEvent.Channel)
    application_key = models.CharField(max_length=64, blank=True)
    consumer_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["given_at", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="one_consent_per_kind")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.text_key}@{self.text_version}"
