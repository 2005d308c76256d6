"""Closing an account at the customer's request (GDPR article 17), as far as the law allows.

Refused, changing nothing, while something still needs the account: an order not finished, a
payment in progress, money owed to the customer (a refund not paid), an active service. Statuses
are never written here: the customer is told what to do and the lifecycle takes its course.

Otherwise the login ends (inactive, unusable password, sessions deleted, API applications and
consumer keys revoked, saved payment methods and open carts deleted) and the account's personal
details are erased. What the law requires us to keep stays: purchase orders, invoices and credit
notes carry their own billing snapshot, frozen at checkout (accounting law: 10 years in France),
consent evidence its 5 years (design.md), identity documents until their 90-day purge; the
customer handle stays as the pseudonymous link between them.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from api.credentials import application_revoke, consumer_key_revoke
from api.models import ApiApplication, ConsumerKey
from core.errors import Conflict
from core.models import Session
from core.outbox import email_enqueue
from core.page_versions import account_pages_changed
from orders.models import Order, OrderStatus, Payment, Refund, Service
from orders.selectors import unpaid_expired_q

# Order statuses that mean "not finished yet", and what the customer is told about each.
UNPAID, CHECKING, DELIVERING, CANCELLING = "unpaid", "checking", "delivering", "cancelling"
IN_PROGRESS = {
    OrderStatus.NOT_PAID: UNPAID,
    OrderStatus.CHECKING: CHECKING,
    OrderStatus.DOCUMENTS_REQUESTED: CHECKING,
    OrderStatus.DELIVERING: DELIVERING,
    OrderStatus.UNKNOWN: DELIVERING,
    OrderStatus.CANCELLING: CANCELLING,
}
REFUND, PAYMENT, SERVICE, STAFF = "refund", "payment", "service", "staff"

# The personal details erased; the handle, legal form, subsidiary, country and language stay.
ERASED_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "organisation",
    "address",
    "postcode",
    "city",
    "vat_number",
]


@dataclass(frozen=True)
class Blocker:
    """One reason the account can't be closed yet; templates/privacy/_closure_blockers.html words it."""

    kind: str
    order_id: int | None = None
    name: str = ""
    amount: Decimal | None = None
    currency: str = ""
    when: date | datetime | None = None
    time_zone: str = "UTC"


class ClosureRefused(Conflict):
    def __init__(self, blockers: list[Blocker]):
        super().__init__(_("Your account can't be closed yet: something still needs it."))
        self.blockers = blockers


def closure_blockers(*, account: User, now: datetime) -> list[Blocker]:
    """What must end before the account can close: four queries, whatever the number of orders."""
    if account.is_staff:
        return [Blocker(kind=STAFF)]
    blockers = [
        Blocker(
            kind=IN_PROGRESS[order.status],
            order_id=order.pk,
            when=order.expires_at if order.status == OrderStatus.NOT_PAID else None,
            time_zone=order.subsidiary.time_zone,
        )
        for order in Order.objects.filter(account=account, status__in=list(IN_PROGRESS))
        .exclude(unpaid_expired_q(now))
        .select_related("subsidiary")
        .order_by("created_at", "id")
    ]
    listed = {blocker.order_id for blocker in blockers}
    blockers += [
        Blocker(kind=PAYMENT, order_id=payment.order_id, amount=payment.amount, currency=payment.currency)
        for payment in Payment.objects.filter(order__account=account, status=Payment.Status.PENDING).order_by("pk")
        if payment.order_id not in listed
    ]
    blockers += [
        Blocker(kind=REFUND, order_id=refund.order_id, amount=refund.amount, currency=refund.currency)
        for refund in Refund.objects.filter(
            order__account=account, status__in=[Refund.Status.PENDING, Refund.Status.FAILED]
        ).order_by("pk")
    ]
    blockers += [
        Blocker(kind=SERVICE, order_id=service.origin_line.order_id, name=service.name, when=service.period_end)
        for service in Service.objects.filter(account=account, status=Service.Status.ACTIVE)
        .select_related("origin_line")
        .order_by("period_end", "pk")
    ]
    return blockers


def _api_access_revoke(account: User, now: datetime) -> None:
    for application in ApiApplication.objects.filter(account=account, revoked_at__isnull=True):
        application_revoke(application=application, now=now)
    for consumer in ConsumerKey.objects.filter(account=account).exclude(state=ConsumerKey.State.REVOKED):
        consumer_key_revoke(consumer=consumer, now=now)


def _sessions_delete(account_id: int) -> None:
    """Every stored session logged in as the account (core.sessions keeps each one's user id)."""
    Session.objects.filter(user_id=account_id).delete()


def account_close(*, account: User, now: datetime | None = None) -> User:
    """Close the account, or raise ClosureRefused naming what must end first. A second call does nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        account = User.objects.select_for_update().get(pk=account.pk)
        if account.closed_at is not None:
            return account
        blockers = closure_blockers(account=account, now=now)
        if blockers:
            raise ClosureRefused(blockers)
        address = account.email
        _api_access_revoke(account, now)
        account.payment_methods.all().delete()
        account.carts.filter(checked_out_at__isnull=True).delete()
        for field in ERASED_FIELDS:
            setattr(account, field, "")
        account.username = f"closed-{account.handle}"
        account.set_unusable_password()
        account.is_active = False
        account.closed_at = now
        account.save(update_fields=[*ERASED_FIELDS, "username", "password", "is_active", "closed_at"])
        LogEntry.objects.log_actions(
            user_id=account.pk,
            queryset=[account],
            action_flag=CHANGE,
            change_message="Account closed by the customer in the control panel; personal details erased.",
        )
        if address:
            email_enqueue(
                key=f"account-closed:{account.pk}",
                template="account_closed",
                to=address,
                language=account.language,
                context={
                    "handle": account.handle,
                    "closed_at": now.isoformat(),
                    "time_zone": account.subsidiary.time_zone,
                },
            )
        account_pages_changed(account_ids=[account.pk])
    _sessions_delete(account.pk)
    return account
