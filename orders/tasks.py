"""Celery tasks: each takes ids, calls one service, and is safe to run twice (acks_late, retried)."""

import logging
from datetime import timedelta

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from . import lifecycle
from .models import Cart, Order, OrderStatus
from .provisioning import ProvisioningError

# A delivery untouched for this long lost its message.
STALE_DELIVERY = timedelta(minutes=2)
RETRY = {"autoretry_for": (ProvisioningError,), "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 5}
logger = logging.getLogger(__name__)


def send_or_log(task, *args, **options) -> None:
    """Publish `task(*args)`; a broker that is down is logged, not raised: this runs after the commit, the
    rows are saved, and a beat sweep (recover_refunds, resend_pending_emails, recover_invoices,
    recover_deliveries) sends it again. Raising would turn a recorded request into an error page."""
    try:
        task.apply_async(args, **options)
    except BrokerError:
        logger.exception("Could not enqueue %s%r; the beat sweep will send it again.", task.name, args)


def enqueue_on_commit(task, *args) -> None:
    """Send `task(*args)` once the current transaction commits (see send_or_log)."""
    transaction.on_commit(lambda: send_or_log(task, *args))


def enqueue_delivery(order_id: int) -> None:
    """The sandbox takes SANDBOX_DELIVERY_SECONDS to deliver, like a real machine being installed."""
    send_or_log(deliver_order, order_id, countdown=settings.SANDBOX_DELIVERY_SECONDS)


@shared_task(acks_late=True, bind=True, **RETRY)
def deliver_order(self, order_id: int) -> None:
    from .services.delivery import order_deliver

    try:
        order_deliver(order_id=order_id)
    except ProvisioningError as error:
        if self.request.retries >= self.max_retries:
            lifecycle.order_delivery_failed(order_id=order_id, error=str(error))
            return
        raise


@shared_task(acks_late=True)
def expire_unpaid_orders() -> int:
    return lifecycle.expire_unpaid_orders(now=timezone.now())


@shared_task(acks_late=True)
def settle_pending_payments() -> int:
    from .services.payments import payments_reconcile

    return payments_reconcile()


@shared_task(acks_late=True)
def recover_deliveries() -> int:
    """Re-enqueue deliveries whose message was lost (Redis down at commit, worker killed)."""
    stale = timezone.now() - timedelta(seconds=settings.SANDBOX_DELIVERY_SECONDS) - STALE_DELIVERY
    ids = list(Order.objects.filter(status=OrderStatus.DELIVERING, updated_at__lte=stale).values_list("pk", flat=True))
    for order_id in ids:
        deliver_order.delay(order_id)
    return len(ids)


@shared_task(acks_late=True)
def delete_expired_carts() -> int:
    deleted, _ = Cart.objects.filter(expires_at__lte=timezone.now(), checked_out_at__isnull=True).delete()
    return deleted


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=600, max_retries=8)
def send_email(email_id: int) -> bool:
    from .emails import email_send

    return email_send(email_id=email_id)


@shared_task(acks_late=True)
def send_emails(keys: list[str]) -> int:
    """A sweep's batch of emails (orders.emails.emails_enqueue): one message instead of one per email."""
    from .emails import emails_send

    return emails_send(keys=keys)


@shared_task(acks_late=True)
def resend_pending_emails() -> int:
    from .emails import emails_pending

    ids = emails_pending()
    for email_id in ids:
        send_email.delay(email_id)
    return len(ids)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=600, max_retries=8)
def pay_refund(refund_id: int) -> None:
    from .services.refunds import refund_execute

    refund_execute(refund_id=refund_id)


@shared_task(acks_late=True)
def recover_refunds() -> int:
    """Re-enqueue pending refunds whose message was lost, and tell finance about late ones."""
    from .services.refunds import late_refunds_flag, refunds_to_recover

    ids = refunds_to_recover()
    for refund_id in ids:
        pay_refund.delay(refund_id)
    late_refunds_flag()
    return len(ids)


# --- invoices, the validation queue, supporting documents, reminders (issue 5) ----------------------


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=300, max_retries=8)
def issue_invoice(order_id: int) -> None:
    from .services.invoices import invoice_issue

    invoice_issue(order_id=order_id)


@shared_task(acks_late=True)
def recover_invoices() -> int:
    """Paid orders without an invoice (their message was lost): enqueue their invoice again."""
    from .services.invoices import orders_awaiting_invoice

    ids = orders_awaiting_invoice()
    for order_id in ids:
        issue_invoice.delay(order_id)
    return len(ids)


@shared_task(acks_late=True)
def send_expiry_reminders() -> int:
    from .notifications import expiry_reminders_send

    return expiry_reminders_send()


@shared_task(acks_late=True)
def refuse_cases_without_documents() -> int:
    """Refuse (and refund) the cases whose documents did not come within 10 working days."""
    from .services.validation_queue import refuse_overdue_document_requests

    return len(refuse_overdue_document_requests())


@shared_task(acks_late=True)
def delete_old_supporting_documents() -> int:
    """Identity documents are deleted 90 days after the validation decision."""
    from .services.supporting_documents import supporting_documents_purge

    return supporting_documents_purge()


# --- renewals, suspension and deletion of services, cleanups ----------------------------------------


@shared_task(acks_late=True)
def create_renewals() -> int:
    """Renewal orders for the services whose period ends within RENEWAL_LEAD_DAYS (once per service)."""
    from .services.renewals import renewals_create

    return len(renewals_create(now=timezone.now()))


@shared_task(acks_late=True)
def suspend_and_delete_services() -> dict:
    """Suspend the services of cancelled orders and of unpaid renewals; delete them SERVICE_DELETION_DAYS later."""
    from .services.service_lifecycle import services_suspend_and_delete

    result = services_suspend_and_delete()
    return {"suspended": len(result.suspended), "deleted": len(result.deleted), "failed": len(result.failed)}


@shared_task(acks_late=True)
def send_validation_alerts() -> dict:
    """Validation queue: reminders to the validators on the due day, escalation when overdue (once per case)."""
    from .services.validation_alerts import validation_alerts_send

    return validation_alerts_send()


@shared_task(acks_late=True)
def delete_old_evidence() -> int:
    """Consent evidence is kept EVIDENCE_RETENTION_DAYS (5 years) after its order, then deleted."""
    from .services.retention import evidence_purge

    return evidence_purge()


@shared_task(acks_late=True)
def delete_old_pdfs() -> int:
    """Deletes the PDFs orders.pdf_cache kept longer than its MAX_AGE (a later download renders them again)."""
    from .pdf_cache import pdf_cache_purge

    return pdf_cache_purge(now=timezone.now())


@shared_task(acks_late=True)
def prune_order_list_changes() -> int:
    """Shortens the order list's change log (orders.models.list_change), which every write appends to."""
    from .services.list_changes import list_changes_prune

    return list_changes_prune()


@shared_task(acks_late=True)
def suspend_order_services(order_id: int) -> int:
    """Right after a withdrawal; the sweep `suspend_and_delete_services` catches anything missed."""
    from .models import Order
    from .services.service_lifecycle import services_suspend_for_order

    return len(services_suspend_for_order(order=Order.objects.get(pk=order_id)))


# --- monitoring (orders/monitoring.py) ----------------------------------------------------------------


@shared_task(acks_late=True, bind=True)
def beat_heartbeat(self) -> None:
    """Scheduled by beat, run by a worker: a fresh row proves beat, the broker and a worker all work."""
    from .monitoring import heartbeat_record

    heartbeat_record(hostname=self.request.hostname or "")


@worker_ready.connect
def _warn_about_broker_eviction(**kwargs) -> None:
    """A Redis broker that may evict keys loses queued tasks: each worker says so when it starts."""
    from .monitoring import broker_eviction_check

    broker_eviction_check()
