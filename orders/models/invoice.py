"""Invoices: issued once per paid order, numbered per subsidiary without gaps, never changed afterwards.

Everything the document shows is copied onto the row when it is issued (lines, totals, billing
details, reverse charge), so later changes to the order or the account never alter an invoice.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import MONEY


class ImmutableError(Exception):
    """An issued document is never changed nor deleted (a credit note corrects it)."""


class Invoice(models.Model):
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="invoice")
    subsidiary = models.ForeignKey("accounts.Subsidiary", on_delete=models.PROTECT)
    number = models.CharField(max_length=32)
    issued_at = models.DateTimeField()
    currency = models.CharField(max_length=3)
    total_net = models.DecimalField(**MONEY)
    total_reduction = models.DecimalField(**MONEY, default=0)
    total_vat = models.DecimalField(**MONEY)
    total_gross = models.DecimalField(**MONEY)
    lines = models.JSONField(
        help_text=_("Per line: description, quantity, unit price, reduction, net, VAT rate, VAT, gross.")
    )
    billing = models.JSONField(help_text=_("The billing details of the order, frozen at checkout."))
    seller = models.JSONField(default=dict, help_text=_("The subsidiary's legal identity when it was issued."))
    reverse_charge = models.BooleanField(default=False)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["subsidiary", "number"], name="invoice_number_unique")]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(f"Invoice {self.number} is issued: it cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"Invoice {self.number} is issued: it cannot be deleted.")
