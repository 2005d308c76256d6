"""Retention of consent evidence (design.md section 6: evidence kept 5 years).

The consents recorded at checkout (orders.services.consents) prove what the customer was shown and
agreed to. They are deleted once their order is older than settings.EVIDENCE_RETENTION_DAYS: the age
is the order's (its creation, when the contract was offered), never the consent row's alone, and
nothing else of the order is touched (its events, invoice and lines stay).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..models import Consent
from ..page_versions import order_pages_changed

BATCH_SIZE = 1000


def expired_evidence(*, now: datetime) -> QuerySet:
    cutoff = now - timedelta(days=settings.EVIDENCE_RETENTION_DAYS)
    return Consent.objects.filter(order__created_at__lt=cutoff, given_at__lt=cutoff)


def evidence_purge(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """The beat job: delete the expired consents in batches; idempotent. Returns how many went."""
    now = now or timezone.now()
    deleted = 0
    while True:
        rows = list(expired_evidence(now=now).order_by("pk").values_list("pk", "order_id")[:batch_size])
        if not rows:
            return deleted
        with transaction.atomic():
            count, _ = Consent.objects.filter(pk__in=[pk for pk, _order_id in rows]).delete()
            order_pages_changed(order_ids=[order_id for _pk, order_id in rows])
        deleted += count
