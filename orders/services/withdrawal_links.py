"""The one-time withdrawal link: withdrawing without a session (design.md section 4), by an email to the account.

The link carries a signed order id valid LINK_MAX_AGE; at most one email per order every LINK_EVERY, so
the public form cannot be used to flood a customer's mailbox.
"""

from datetime import timedelta

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxEmail
from core.outbox import email_enqueue

from ..models import Order

LINK_SALT = "orders.withdrawal-link"
LINK_MAX_AGE = timedelta(days=1)
LINK_EVERY = timedelta(minutes=10)


def withdrawal_link_send(*, order: Order) -> None:
    """Email the account a link to withdraw from `order`, unless one went out within LINK_EVERY."""
    recent = OutboxEmail.objects.filter(
        key__startswith=f"withdrawal-link:{order.pk}:", created_at__gt=timezone.now() - LINK_EVERY
    )
    if recent.exists():
        return
    token = signing.dumps({"order": order.pk}, salt=LINK_SALT)
    email_enqueue(
        key=f"withdrawal-link:{order.pk}:{signing.get_cookie_signer().signature(token)[:16]}",
        template="withdrawal_link",
        to=order.account.email,
        language=order.language,
        order_id=order.pk,
        context={"order_number": order.number, "path": reverse("orders:withdraw_link", args=[token])},
    )


def withdrawal_link_order_id(token: str) -> int | None:
    """The order a link names, or None when it is forged, tampered with or older than LINK_MAX_AGE."""
    try:
        return int(signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)["order"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
