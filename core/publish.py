"""Publishing Celery tasks from the domain, by name, without importing the task modules.

Task modules import services (inside their functions); services publish tasks through here by their
registered name, so no domain module imports a `tasks` module and the import graph has no circle. An
unknown name raises Celery's `NotRegistered` at once, in the caller's tests.
"""

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def publish(task_name: str, *args, countdown: float | None = None) -> None:
    """Publish `task_name(*args)`; a broker that is down is logged, not raised.

    This runs after the commit: the rows are saved, and a beat sweep (recover_refunds,
    resend_pending_emails, recover_invoices, recover_deliveries) sends it again. Raising would turn a
    recorded request into an error page.
    """
    options = {} if countdown is None else {"countdown": countdown}
    try:
        current_app.tasks[task_name].apply_async(args, **options)
    except BrokerError:
        logger.exception("Could not enqueue %s%r; the beat sweep will send it again.", task_name, args)


def publish_on_commit(task_name: str, *args, countdown: float | None = None) -> None:
    """Publish `task_name(*args)` once the current transaction commits (see publish)."""
    transaction.on_commit(lambda: publish(task_name, *args, countdown=countdown))
