"""Every email goes through here: written to the outbox with the change it reports, sent after commit.

Templates live in templates/emails/<name>_subject.txt, <name>.txt and <name>.html, rendered in the
customer's language. Each email has a unique key, so retries and sweeps never send it twice on
purpose; a worker killed between sending and marking may resend once (SMTP offers no better).
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q, QuerySet, Value
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .bulk_sql import insert_select
from .models import OutboxEmail
from .publish import publish, publish_on_commit

# A claimed email not marked sent after this long belonged to a worker that died.
CLAIM_TIMEOUT = timedelta(minutes=10)
# A batch's email that failed is tried again in its own task after this (send_email's first backoff).
RETRY_AFTER = timedelta(seconds=10)
logger = logging.getLogger(__name__)


def _unclaimed(now) -> Q:
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)


def email_enqueue(
    *, key: str, template: str, to: str, language: str, context: dict, order_id: int | None = None
) -> OutboxEmail:
    """Record the email in the caller's transaction (once per key) and send it once that commits."""
    email, created = OutboxEmail.objects.get_or_create(
        key=key,
        defaults={"template": template, "to": to, "language": language, "context": context, "order_id": order_id},
    )
    if created:
        publish_on_commit("core.tasks.send_email", email.pk)
    return email


def emails_enqueue(rows: QuerySet, *, email: dict, keys: list[str]) -> None:
    """email_enqueue for a sweep's batch: one INSERT … SELECT that skips the keys already there, one task after commit.

    `email` gives each OutboxEmail field (key, template, to, language, context, order_id) as an expression
    over `rows`, one email per row (core.bulk_sql). The task gets the batch's `keys`, not ids (an
    INSERT … ON CONFLICT DO NOTHING does not say which rows it wrote); sending a key written earlier and
    still pending is harmless, email_send claims it once.
    """
    pending = {"status": OutboxEmail.Status.PENDING, "attempts": 0, "last_error": "", "created_at": timezone.now()}
    columns = {**email, **{name: Value(value) for name, value in pending.items()}}
    if insert_select(OutboxEmail, rows=rows, columns=columns, ignore_conflicts=True):
        publish_on_commit("core.tasks.send_emails", keys)


def email_send(*, email_id: int, now=None) -> bool:
    """Claim, render and send one outbox email; False if another worker has it or it was sent."""
    now = now or timezone.now()
    claimable = OutboxEmail.objects.filter(pk=email_id, status=OutboxEmail.Status.PENDING).filter(_unclaimed(now))
    if not claimable.update(claimed_at=now):
        return False
    email = OutboxEmail.objects.get(pk=email_id)
    try:
        _render(email).send()
    except Exception as error:
        # Release the claim so that the task's retry (or the sweep) can try again.
        OutboxEmail.objects.filter(pk=email_id).update(
            claimed_at=None, attempts=email.attempts + 1, last_error=str(error)[:200]
        )
        raise
    OutboxEmail.objects.filter(pk=email_id).update(
        status=OutboxEmail.Status.SENT, sent_at=timezone.now(), attempts=email.attempts + 1
    )
    return True


def emails_send(*, keys: list[str]) -> int:
    """Send a batch from emails_enqueue; an email that fails goes on in its own task, with its retries."""
    sent = 0
    pending = OutboxEmail.objects.filter(key__in=keys, status=OutboxEmail.Status.PENDING)
    for email_id in pending.order_by("pk").values_list("pk", flat=True):
        try:
            sent += email_send(email_id=email_id)
        except Exception:
            logger.exception("Could not send outbox email %s; its own task will retry it.", email_id)
            publish("core.tasks.send_email", email_id, countdown=RETRY_AFTER.total_seconds())
    return sent


def _panel_links(*, html: bool) -> re.Pattern:
    """The panel's links an email gives as links: an HTML part's `href`s, a text part's links that end their line.
    A link quoted inside a sentence (the legal copy's withdrawal address) is left as its versioned text has it."""
    url = re.escape(settings.PUBLIC_BASE_URL) + r"""[^\s"'<>]*"""
    return re.compile(rf'(?<=href="){url}(?=")' if html else rf"{url}(?=[ \t]*$)", re.MULTILINE)


def with_language(text: str, language: str, *, html: bool) -> str:
    """The panel's links in `text` with `lang=<language>`: the page each opens speaks the email's language
    (accounts.middleware), whoever is logged in, or nobody."""

    def tagged(match: re.Match) -> str:
        url, hash_, fragment = match.group(0).partition("#")
        if "lang=" in url:
            return match.group(0)
        separator = ("&amp;" if html else "&") if "?" in url else "?"
        return f"{url}{separator}lang={language}{hash_}{fragment}"

    return _panel_links(html=html).sub(tagged, text)


def _render(email: OutboxEmail) -> EmailMultiAlternatives:
    with translation.override(email.language):
        context = {**email.context, "public_base_url": settings.PUBLIC_BASE_URL}
        subject = render_to_string(f"emails/{email.template}_subject.txt", context).strip()
        body = with_language(render_to_string(f"emails/{email.template}.txt", context), email.language, html=False)
        html = render_to_string(f"emails/{email.template}.html", context)
        message = EmailMultiAlternatives(subject, body, to=[email.to])
        message.attach_alternative(with_language(html, email.language, html=True), "text/html")
    return message


def emails_pending(*, now=None) -> list[int]:
    """Outbox rows a lost message or a dead worker left behind, for the beat sweep."""
    now = now or timezone.now()
    return list(
        OutboxEmail.objects.filter(status=OutboxEmail.Status.PENDING, created_at__lt=now - timedelta(minutes=1))
        .filter(_unclaimed(now))
        .values_list("pk", flat=True)[:500]
    )


def emails_resend_pending() -> int:
    """The beat sweep: each email left pending goes out again in its own task."""
    ids = emails_pending()
    for email_id in ids:
        publish("core.tasks.send_email", email_id)
    return len(ids)
