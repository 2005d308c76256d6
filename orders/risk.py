"""Risk rules: which paid orders go to staff for manual validation (design.md section 3)."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Order

RULE_TEXTS = {
    "first_order": _("First order of this account"),
    "amount": _("Amount at or above the review threshold"),
    "country": _("Billing country differs from the subsidiary's country"),
    "plan": _("A plan that always needs validation"),
}


def risk_reasons(order: Order) -> list[str]:
    """The rules that fire for this order, as keys of RULE_TEXTS; empty means deliver at once."""
    reasons = []
    earlier_paid = Order.objects.filter(account_id=order.account_id, paid_at__isnull=False).exclude(pk=order.pk)
    if not earlier_paid.exists():
        reasons.append("first_order")
    threshold = settings.RISK_THRESHOLDS.get(order.currency)
    if threshold is not None and order.total_gross >= Decimal(threshold):
        reasons.append("amount")
    if order.billing.get("country") != order.subsidiary.country:
        reasons.append("country")
    if order.lines.filter(plan__always_validate=True).exists():
        reasons.append("plan")
    return reasons
