"""The email outbox: a row written in the same transaction as the change it reports.

A worker sends pending rows and marks them sent; the unique key makes each email exist once, and a
sweep resends what a lost message or a crash left pending. It sits below the apps (accounts sends its
sign-up confirmation through it too), so the order it reports is a plain id, not a foreign key; the
table keeps the name it had in the orders app.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=120, unique=True, help_text=_("What it reports, e.g. 'withdrawal-ack:42'."))
    order_id = models.BigIntegerField(
        null=True, blank=True, db_index=True, help_text=_("The order it reports, if any.")
    )
    template = models.CharField(max_length=80)
    to = models.EmailField()
    language = models.CharField(max_length=8)
    context = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text=_("When a worker took it to send."))
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "orders_outboxemail"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="orders_outb_status_7e55d7_idx")]

    def __str__(self) -> str:
        return self.key
