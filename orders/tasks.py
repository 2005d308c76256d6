"""Celery tasks: each takes ids, calls one service, and is safe to run twice (acks_late, retried).

Nothing of the domain is imported at the top: each task imports its service when it runs, and the
services publish tasks by name (core.publish, orders.task_names), so neither side imports the other
at import time.
"""

from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError
from django.utils import timezone

from core.errors import ProvisioningError

RETRY = {"autoretry_for": (ProvisioningError,), "retry_backoff": 5, "retry_backoff_max": 300, "max_retries": 5}


@shared_task(acks_late=True, bind=True, **RETRY)
def deliver_order(self, order_id: int) -> None:
    from .services.delivery import order_deliver, order_delivery_give_up

    try:
        order_deliver(order_id=order_id)
    except ProvisioningError as error:
        if self.request.retries >= self.max_retries:
            order_delivery_give_up(order_id=order_id, error=str(error))
            return
        raise


@shared_task(acks_late=True)
def expire_unpaid_orders() -> int:
    from .services.expiry import orders_expire

    return orders_expire(now=timezone.now())


@shared_task(acks_late=True)
def settle_pending_payments() -> int:
    """Pending payments the gateway settled meanwhile, and bank transfers whose money came (or is unwanted)."""
    from .services.payments import payments_reconcile
    from .services.transfers import transfers_settle_due

    return payments_reconcile() + transfers_settle_due()


@shared_task(acks_late=True)
def recover_deliveries() -> int:
    """Re-enqueue deliveries whose message was lost (Redis down at commit, worker killed)."""
    from .services.delivery import deliveries_recover

    return deliveries_recover()


@shared_task(acks_late=True)
def delete_expired_carts() -> int:
    from .services.carts import carts_delete_expired

    return carts_delete_expired()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=600, max_retries=8)
def pay_refund(refund_id: int) -> None:
    from .services.refunds import refund_execute

    refund_execute(refund_id=refund_id)


@shared_task(acks_late=True)
def recover_refunds() -> int:
    """Re-enqueue pending refunds whose message was lost, and tell finance about late ones."""
    from .services.refunds import refunds_recover

    return refunds_recover()


# --- invoices, the validation queue, supporting documents, reminders (issue 5) ----------------------


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=300, max_retries=8)
def issue_invoice(order_id: int) -> None:
    from .services.invoices import invoice_issue

    invoice_issue(order_id=order_id)


@shared_task(acks_late=True)
def recover_invoices() -> int:
    """Paid orders without an invoice (their message was lost): enqueue their invoice again."""
    from .services.invoices import invoices_recover

    return invoices_recover()


@shared_task(acks_late=True)
def send_expiry_reminders() -> int:
    from .services.expiry import expiry_reminders_send

    return expiry_reminders_send()


@shared_task(acks_late=True)
def refuse_cases_without_documents() -> int:
    """Refuse (and refund) the cases whose documents did not come within 10 working days."""
    from .services.validation import refuse_overdue_document_requests

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
def suspend_order_services(order_id: int) -> int:
    """Right after a withdrawal; the sweep `suspend_and_delete_services` catches anything missed."""
    from .services.service_lifecycle import services_suspend_for_order

    return len(services_suspend_for_order(order_id=order_id))


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
