"""core's Celery tasks: the outbox's, each calling one function of core.outbox, and the expired sessions' sweep;
each imports what it calls when it runs."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, retry_backoff_max=600, max_retries=8)
def send_email(email_id: int) -> bool:
    from core.outbox import email_send

    return email_send(email_id=email_id)


@shared_task(acks_late=True)
def send_emails(keys: list[str]) -> int:
    """A sweep's batch of emails (core.outbox.emails_enqueue): one message instead of one per email."""
    from core.outbox import emails_send

    return emails_send(keys=keys)


@shared_task(acks_late=True)
def resend_pending_emails() -> int:
    """Outbox rows whose message was lost: each sent again in its own task."""
    from core.outbox import emails_resend_pending

    return emails_resend_pending()


@shared_task(acks_late=True)
def delete_expired_sessions() -> int:
    """Nightly: the sessions that expired (core.sessions); nothing else deletes them."""
    from django.utils import timezone

    from core.sessions import expired_sessions_delete

    return expired_sessions_delete(now=timezone.now())
