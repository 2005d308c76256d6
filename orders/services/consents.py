"""Evidence of what the customer was told and asked for, with the exact versioned text shown."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from .. import history
from ..legal import legal_text, legal_version
from ..lifecycle import record_event
from ..models import Consent, Order
from ..page_versions import order_pages_changed

TEXT_KEYS = {
    Consent.Kind.INFORMATION_GIVEN: "consent_information_given",
    Consent.Kind.EXPRESS_REQUEST: "consent_express_request",
    Consent.Kind.EXCLUDABLE_ACK: "consent_excludable_ack",
}


@dataclass(frozen=True)
class Evidence:
    """Where a consent came from: the panel (with the IP) or the API (with the application's keys)."""

    channel: str
    ip: str | None = None
    application_key: str = ""
    consumer_key: str = ""
    actor: object = None


def record_consent(*, order: Order, kind: str, evidence: Evidence, language: str, now: datetime) -> bool:
    """Record one consent once; returns False if it was already on file (the first one stands)."""
    key = TEXT_KEYS[kind]
    try:
        with transaction.atomic():
            Consent.objects.create(
                order=order,
                kind=kind,
                text_key=key,
                text_version=legal_version(key),
                language=language,
                text=legal_text(key, language, order.subsidiary),
                given_at=now,
                ip=evidence.ip,
                channel=evidence.channel,
                application_key=evidence.application_key,
                consumer_key=evidence.consumer_key,
            )
    except IntegrityError:
        return False
    return True


def record_express_request(*, order: Order, evidence: Evidence, now: datetime) -> bool:
    """`waiveRetractationPeriod`: the express request, plus the acknowledgement where a line is excludable.

    It takes nothing away by itself (art. 25): eligibility decides per line what it changes.
    """
    recorded = record_consent(
        order=order, kind=Consent.Kind.EXPRESS_REQUEST, evidence=evidence, language=order.language, now=now
    )
    if order.lines.filter(plan__excludable=True).exists():
        recorded |= record_consent(
            order=order, kind=Consent.Kind.EXCLUDABLE_ACK, evidence=evidence, language=order.language, now=now
        )
    return recorded


def order_waive_retraction(*, order: Order, evidence: Evidence, now: datetime) -> Order:
    """`POST /me/order/{id}/waiveRetraction` after checkout: records the request at that moment."""
    with transaction.atomic():
        if record_express_request(order=order, evidence=evidence, now=now):
            record_event(order, history.RETRACTION_WAIVED, actor=evidence.actor, channel=evidence.channel)
            order_pages_changed(order_ids=[order.pk])
    return order
