"""The email outbox: a row written in the same transaction as the change it reports.

A worker sends pending rows and marks them sent; the unique key makes each email exist once, and a
sweep resends what a lost message or a crash left pending. It sits below the apps (accounts sends its
sign-up confirmation through it too), so the order it reports is a plain id, not a foreign key; the
table keeps the name it had in the orders app.
"""
from django.contrib.sessions.base_session import AbstractBaseSession
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


class PageVersion(models.Model):
    """How many times what a customer's pages show has changed: one row per order, one per account, and one for
    the reference data every page reads (subsidiaries, plans). The services bump them as they write
    (core.page_versions); the page cache keys pages on them (orders.views.page_cache)."""

    class Scope(models.TextChoices):
        ORDER = "order", _("Order")
        ACCOUNT = "account", _("Account")
        REFERENCE = "reference", _("Reference data")

    scope = models.CharField(max_length=10, choices=Scope)
    object_id = models.BigIntegerField(help_text=_("The order's or the account's id; 0 for the reference data."))
    value = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "object_id"], name="page_version_unique")]

    def __str__(self) -> str:
        return f"{self.scope} {self.object_id} v{self.value}"


class Session(AbstractBaseSession):
    """Django's database session, with the id of the user it is logged in as, so that a request reads its session
    and its user in one statement (core.sessions). A plain id, as the outbox's order: core sits below accounts."""

    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta(AbstractBaseSession.Meta):
        db_table = "core_session"
