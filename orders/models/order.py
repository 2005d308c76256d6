"""Purchase orders, their lines, and the services delivered lines become.

Statuses are written only by `orders.lifecycle`; the status field is not editable anywhere else.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import MONEY


class OrderStatus(models.TextChoices):
    """OVHcloud's billing.order.OrderStatusEnum, with the seeds' labels."""

    NOT_PAID = "notPaid", pgettext_lazy("order status", "Unpaid")
    CHECKING = "checking", pgettext_lazy("order status", "Confirmation")
    DOCUMENTS_REQUESTED = "documentsRequested", pgettext_lazy("order status", "Awaiting documents")
    DELIVERING = "delivering", pgettext_lazy("order status", "Being processed")
    DELIVERED = "delivered", pgettext_lazy("order status", "Complete")
    UNKNOWN = "unknown", pgettext_lazy("order status", "Error")
    CANCELLING = "cancelling", pgettext_lazy("order status", "Cancelling…")
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")


# Withdrawal is possible in validation, in delivery (failed or not: still "in delivery" for the consumer)
# and once delivered (design.md section 4); the lifecycle's table and eligibility both read it.
WITHDRAWABLE_STATUSES = frozenset(
    {
        OrderStatus.CHECKING,
        OrderStatus.DOCUMENTS_REQUESTED,
        OrderStatus.DELIVERING,
        OrderStatus.UNKNOWN,
        OrderStatus.DELIVERED,
    }
)


class CancelReason(models.TextChoices):
    EXPIRED = "expired", _("Order expired")
    REFUSED = "refused", _("Refused at validation")
    WITHDRAWN = "withdrawn", _("Withdrawn by the customer")


class OrderKind(models.TextChoices):
    NEW = "new", _("New")
    RENEWAL = "renewal", _("Renewal")


class OrderQuerySet(models.QuerySet):
    def for_account(self, account):
        return self.filter(account=account)

    def locked(self):
        """Row locks on PostgreSQL; SQLite ignores them, the conditional UPDATE still protects."""
        return self.select_for_update(of=("self",))


# Orders whose expiry is settled for good: neither unpaid nor already expired. PostgreSQL uses a partial index
# only for a query that repeats its condition, so the index below and orders.selectors share this one.
SETTLED = ~models.Q(status="notPaid") & ~models.Q(status="cancelled", cancel_reason="expired")


class Order(models.Model):
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    subsidiary = models.ForeignKey("accounts.Subsidiary", on_delete=models.PROTECT)
    kind = models.CharField(max_length=10, choices=OrderKind, default=OrderKind.NEW)
    status = models.CharField(max_length=20, choices=OrderStatus, default=OrderStatus.NOT_PAID, editable=False)
    cancel_reason = models.CharField(max_length=10, choices=CancelReason, blank=True, editable=False)
    cart = models.OneToOneField("orders.Cart", null=True, blank=True, on_delete=models.SET_NULL, related_name="order")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    currency = models.CharField(max_length=3)
    language = models.CharField(max_length=8, default="en")
    billing = models.JSONField(help_text=_("Billing details frozen at checkout."))
    reverse_charge = models.BooleanField(default=False)
    total_net = models.DecimalField(**MONEY)
    total_reduction = models.DecimalField(**MONEY, default=0)
    total_vat = models.DecimalField(**MONEY)
    total_gross = models.DecimalField(**MONEY)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)
    concluded_on = models.DateField(
        null=True, blank=True, editable=False, help_text=_("Local date the contract was concluded (payment confirmed).")
    )
    withdrawal_info_given = models.BooleanField(default=False)
    validation_due_on = models.DateField(null=True, blank=True, editable=False)
    documents_due_on = models.DateField(null=True, blank=True, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True, editable=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        help_text=_("The staff member working on the order's manual validation."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # "View my orders" (orders.order_list), one per sort; the default one also holds what
            # its count filters on (expired or not), so the count reads only the index.
            models.Index(
                fields=["account", "-created_at", "-id", "status", "cancel_reason", "expires_at"],
                name="order_account_list_idx",
            ),
            # Its count of the orders not expired: the settled ones are counted from this index alone, without
            # reading each row's status; the few unpaid ones are decided one by one.
            models.Index(fields=["account"], condition=SETTLED, name="order_account_settled_idx"),
            # The account's unpaid orders, read by the list's count and its cache key (orders.views.list_cache).
            models.Index(
                fields=["account", "expires_at"],
                condition=models.Q(status="notPaid"),
                name="order_account_unpaid_idx",
            ),
            models.Index(fields=["account", "total_gross", "id"], name="order_account_amount_idx"),
            models.Index(fields=["account", "id"], name="order_account_number_idx"),
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["status", "validation_due_on"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status="cancelled", cancel_reason__in=CancelReason.values)
                | models.Q(status="cancelling", cancel_reason__in=["refused", "withdrawn"])
                | (~models.Q(status__in=["cancelled", "cancelling"]) & models.Q(cancel_reason="")),
                name="order_cancel_reason_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return str(self.pk)


class OrderLine(models.Model):
    """One billable line: a cart item gives an INSTALLATION line (if it has a fee) and a DURATION line."""

    class Kind(models.TextChoices):
        INSTALLATION = "INSTALLATION", _("Installation")
        DURATION = "DURATION", _("Duration")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    group = models.PositiveSmallIntegerField(help_text=_("Lines from the same cart item share a group."))
    kind = models.CharField(max_length=14, choices=Kind)
    plan = models.ForeignKey("catalog.Plan", on_delete=models.PROTECT)
    duration = models.CharField(max_length=8)
    months = models.PositiveSmallIntegerField()
    pricing_mode = models.CharField(max_length=20)
    description = models.CharField(max_length=300)
    configurations = models.JSONField(default=dict, blank=True)
    domain = models.CharField(
        max_length=253,
        blank=True,
        default="",
        db_default="",  # rows written in SQL (the benchmarks' data) have none
        help_text=_("The domain name chosen for a domain plan: its service's name."),
    )
    quantity = models.PositiveSmallIntegerField()
    unit_price = models.DecimalField(**MONEY)
    reduction = models.DecimalField(**MONEY, default=0)
    net_total = models.DecimalField(**MONEY)
    vat_rate = models.DecimalField(max_digits=6, decimal_places=4)
    vat_amount = models.DecimalField(**MONEY)
    gross_amount = models.DecimalField(**MONEY)
    renewed_service = models.ForeignKey(
        "orders.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="renewal_lines"
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "group", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["order", "group", "kind"], name="one_line_per_group_kind"),
        ]
        # Whether a domain name is being bought (orders.domains): only the few lines that carry one.
        indexes = [models.Index(fields=["domain"], condition=~models.Q(domain=""), name="orderline_domain")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class Service(models.Model):
    """What a delivered DURATION line becomes; renewal orders extend its period."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        DELETED = "deleted", _("Deleted")

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="services")
    plan = models.ForeignKey("catalog.Plan", on_delete=models.PROTECT)
    origin_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="service")
    name = models.CharField(max_length=200, unique=True)
    months = models.PositiveSmallIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    renews = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.ACTIVE)
    access_details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by orders.services.service_lifecycle: deletion comes SERVICE_DELETION_DAYS after suspension.
    suspended_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["period_end"]
        indexes = [models.Index(fields=["status", "period_end"])]

    def __str__(self) -> str:
        return self.name
