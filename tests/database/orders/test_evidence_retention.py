"""Consent evidence is deleted once its order is older than EVIDENCE_RETENTION_DAYS (5 years), nothing else."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from orders.models import Consent, Order, OrderEvent
from orders.services.retention import evidence_purge
from orders.tasks import delete_old_evidence
from tests.support.factories import place_order

pytestmark = pytest.mark.django_db


def aged(order: Order, days: int) -> Order:
    """Move an order and its evidence `days` into the past."""
    then = timezone.now() - timedelta(days=days)
    Order.objects.filter(pk=order.pk).update(created_at=then)
    Consent.objects.filter(order=order).update(given_at=then)
    return order


def test_the_job_is_scheduled_and_the_retention_is_five_years():
    assert settings.EVIDENCE_RETENTION_DAYS == 5 * 365
    assert settings.CELERY_BEAT_SCHEDULE["delete-old-evidence"]["task"] == "orders.tasks.delete_old_evidence"


def test_only_the_evidence_of_orders_older_than_five_years_goes():
    old = aged(place_order(express_request=True), 5 * 365 + 1)
    recent = aged(place_order(express_request=True), 5 * 365 - 1)
    new = place_order(express_request=True)
    assert Consent.objects.filter(order=old).exists() and Consent.objects.filter(order=recent).exists()
    kept = Consent.objects.exclude(order=old).count()
    to_go = Consent.objects.filter(order=old).count()
    events = OrderEvent.objects.filter(order=old).count()

    assert evidence_purge() == to_go
    assert not Consent.objects.filter(order=old).exists()
    assert Consent.objects.count() == kept and Consent.objects.filter(order=new).exists()
    # The order itself and its history stay.
    assert Order.objects.filter(pk=old.pk).exists() and OrderEvent.objects.filter(order=old).count() == events
    assert evidence_purge() == 0


def test_a_recent_consent_row_on_an_old_order_is_not_what_decides_and_vice_versa():
    # The order's age decides: a consent row re-dated recently on an old order is kept until both are old,
    # and an old-looking consent on a recent order is kept.
    old_order = aged(place_order(express_request=True), 6 * 365)
    Consent.objects.filter(order=old_order).update(given_at=timezone.now())
    recent_order = place_order(express_request=True)
    Consent.objects.filter(order=recent_order).update(given_at=timezone.now() - timedelta(days=6 * 365))
    assert evidence_purge() == 0
    assert Consent.objects.filter(order=old_order).exists() and Consent.objects.filter(order=recent_order).exists()


def test_batches_and_the_task(settings):
    orders = [aged(place_order(express_request=True), 6 * 365) for _ in range(3)]
    total = Consent.objects.filter(order__in=orders).count()
    assert total >= 3
    assert evidence_purge(batch_size=2) == total
    assert delete_old_evidence.apply().result == 0
    settings.EVIDENCE_RETENTION_DAYS = 1
    place_order(express_request=True)
    assert delete_old_evidence.apply().result == 0  # a day old is not yet more than a day
