"""What a validator reads to decide a case, on one page: the order and its customer, why it is checked, the
documents sent, the due dates, the customer's history (orders, payments, earlier decisions), and what each of
the three decisions does — in the words and amounts the customer will see.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from core.localtime import add_working_days, local_today

from .. import history
from ..models import Order, OrderEvent, Payment, SupportingDocument
from ..risk import RULE_TEXTS
from ..services import validation_queue as queue
from ..templatetags.panel import ldate
from .display import address, local_time, money

DECISIONS = (history.ORDER_ACCEPTED, history.FRAUD_DOCS_REQUESTED, history.FRAUD_REFUSED)
HISTORY_ROWS = 10  # the latest of each: a validator looks for a pattern, not an audit


def risk_reasons(order: Order) -> list[str]:
    event = order.events.filter(label=history.FRAUD_MANUAL_REVIEW).order_by("-created_at").first()
    return [str(RULE_TEXTS.get(rule, rule)) for rule in event.data.get("risk", [])] if event else []


def _refund_means(order: Order) -> str:
    payment = order.payments.filter(status=Payment.Status.SUCCEEDED).select_related("method").first()
    if payment is None:
        return ""
    return payment.method.label if payment.method else payment.get_kind_display()


def _orders(order: Order) -> list[dict]:
    others = Order.objects.filter(account_id=order.account_id).exclude(pk=order.pk).select_related("subsidiary")
    return [
        {
            "number": other.number,
            "url": reverse("admin:orders_order_change", args=[other.pk]),
            "placed": local_time(other.created_at, other),
            "status": other.get_status_display(),
            "cancel_reason": other.get_cancel_reason_display() if other.cancel_reason else "",
            "total": money(other.total_gross, other.currency),
        }
        for other in others.order_by("-created_at", "-pk")[:HISTORY_ROWS]
    ]


def _payments(order: Order) -> list[dict]:
    payments = Payment.objects.filter(order__account_id=order.account_id).select_related("order__subsidiary", "method")
    return [
        {
            "order": payment.order.number,
            "at": local_time(payment.created_at, payment),
            "means": payment.method.label if payment.method else payment.get_kind_display(),
            "amount": money(payment.amount, payment.currency),
            "status": payment.get_status_display(),
            "failure": payment.failure_reason,
        }
        for payment in payments.order_by("-created_at", "-pk")[:HISTORY_ROWS]
    ]


def _decisions(order: Order) -> list[dict]:
    events = OrderEvent.objects.filter(order__account_id=order.account_id, label__in=DECISIONS)
    return [
        {
            "order": event.order.number,
            "at": local_time(event.created_at, event),
            "decision": history.LABEL_TEXTS[event.label],
            "by": event.actor.get_full_name() or event.actor.username if event.actor else _("automatically"),
            "note": event.data.get("note", ""),
        }
        for event in events.select_related("order__subsidiary", "actor").order_by("-created_at", "-pk")[:HISTORY_ROWS]
    ]


def case_file(order: Order) -> dict:
    account, tz = order.account, order.subsidiary.time_zone
    today = local_today(tz)
    documents_due = add_working_days(today, settings.DOCUMENTS_DUE_WORKING_DAYS, order.subsidiary.country)
    total = money(order.total_gross, order.currency)
    means = _refund_means(order)
    return {
        "customer": {
            "name": account.get_full_name() or account.username,
            "handle": account.handle,
            "email": account.email,
            "legal_form": account.get_legal_form_display(),
            "since": local_time(account.date_joined, order),
        },
        "total": total,
        "placed": local_time(order.created_at, order),
        "paid": local_time(order.paid_at, order),
        "billing": address(order.billing),
        "reasons": risk_reasons(order),
        "overdue": queue.is_overdue(order),
        "today": today,
        "documents": SupportingDocument.objects.filter(order=order).order_by("uploaded_at", "pk"),
        "orders": _orders(order),
        "payments": _payments(order),
        "decisions": _decisions(order),
        "consequences": {
            "validate": _("The order is accepted and its delivery starts at once; the customer is emailed."),
            "documents": _(
                "The customer is emailed a link to send supporting documents by %(due)s (%(days)s working days). "
                "Without them by then, the order is refused and refunded automatically."
            )
            % {"due": ldate(documents_due), "days": settings.DOCUMENTS_DUE_WORKING_DAYS},
            "refuse": _(
                "The order is cancelled and %(total)s refunded in full to %(means)s; the customer is emailed. Your "
                "reason stays in the order's history and is not sent to the customer."
            )
            % {"total": total, "means": means or _("the means of payment used")},
        },
    }
