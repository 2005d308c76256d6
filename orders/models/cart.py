"""Carts: built anonymously or by an account, quoted, then checked out once into an order."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Cart(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subsidiary = models.ForeignKey("accounts.Subsidiary", on_delete=models.PROTECT)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="carts"
    )
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    checked_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return str(self.id)

    @property
    def read_only(self) -> bool:
        return self.checked_out_at is not None


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    pricing = models.ForeignKey("catalog.Pricing", on_delete=models.PROTECT)
    quantity = models.PositiveSmallIntegerField(default=1)
    configurations = models.JSONField(default=dict, blank=True)
    # The name chosen for a domain plan (orders.domains); rows written in SQL (the benchmarks' data) have none.
    domain = models.CharField(max_length=253, blank=True, default="", db_default="")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="options",
        help_text=_("The item this option was added to (OVHcloud's parentItemId)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_item_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.pricing_id}"
