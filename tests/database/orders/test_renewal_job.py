"""The renewals beat job (`create_renewals`): one renewal order and one "renewal created" email per due service."""

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from core.localtime import local_today
from core.models import OutboxEmail
from core.outbox import _render
from orders.models import Order, OrderKind, OrderLine, OrderStatus, Service
from orders.services.renewals import renewals_create
from orders.tasks import create_renewals
from tests.support.factories import UserFactory
from tests.support.orders import delivered_service, ending
from tests.support.threads import run_together

pytestmark = pytest.mark.django_db


def renewals_of(service: Service) -> list[Order]:
    return list(Order.objects.filter(kind=OrderKind.RENEWAL, lines__renewed_service=service))


def test_the_beat_job_is_scheduled():
    assert settings.CELERY_BEAT_SCHEDULE["create-renewals"]["task"] == "orders.tasks.create_renewals"


def test_due_services_get_a_renewal_and_an_email(django_capture_on_commit_callbacks, mailoutbox):
    now = timezone.now()
    today = local_today("Europe/Paris", now)
    account = UserFactory(language="fr")
    due = ending(delivered_service(account=account), today + timedelta(days=10))
    later = ending(delivered_service(account=account), today + timedelta(days=40))
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ids = renewals_create(now=now)

    (renewal,) = renewals_of(due)
    assert ids == [renewal.pk] and renewals_of(later) == []
    assert renewal.status == OrderStatus.NOT_PAID
    (email,) = OutboxEmail.objects.filter(template="renewal_created")
    assert email.key == f"renewal-created:{renewal.pk}" and email.order_id == renewal.pk and email.language == "fr"
    assert email.status == OutboxEmail.Status.SENT
    (message,) = mailoutbox
    assert message.to == [account.email] and renewal.number in message.subject
    assert due.name in message.body and "/pay" in message.body and "{{" not in message.body
    assert "renouvellement" in message.subject.lower()


def test_the_email_renders_in_both_languages():
    for language in ("en", "fr"):
        service = ending(
            delivered_service(account=UserFactory(language=language)), local_today("Europe/Paris", timezone.now())
        )
        renewals_create(now=timezone.now())
        (renewal,) = renewals_of(service)
        message = _render(OutboxEmail.objects.get(key=f"renewal-created:{renewal.pk}"))
        assert message.subject and service.name in message.body and "{%" not in message.body
        (html, _mime) = message.alternatives[0]
        assert service.name in html


def test_running_twice_makes_nothing_more():
    now = timezone.now()
    service = ending(delivered_service(), local_today("Europe/Paris", now) + timedelta(days=1))
    first = renewals_create(now=now)
    assert renewals_create(now=now) == []  # the open renewal takes the service out of the due ones
    assert len(first) == 1 and len(renewals_of(service)) == 1
    assert OutboxEmail.objects.filter(template="renewal_created").count() == 1


def test_a_service_that_cannot_be_renewed_does_not_stop_the_others():
    now = timezone.now()
    today = local_today("Europe/Paris", now)
    account = UserFactory()
    broken = ending(delivered_service(account=account), today + timedelta(days=2))
    broken.plan.pricings.update(pricing_mode="degressivity12")  # no default price any more: a Conflict
    fine = ending(delivered_service(account=account), today + timedelta(days=3))

    ids = renewals_create(now=now)

    assert renewals_of(broken) == [] and [o.pk for o in renewals_of(fine)] == ids


def test_an_expired_unpaid_renewal_is_followed_by_a_fresh_one_with_its_own_email():
    now = timezone.now()
    service = ending(delivered_service(), local_today("Europe/Paris", now) + timedelta(days=13))
    (first,) = renewals_create(now=now)
    later = Order.objects.get(pk=first).expires_at + timedelta(minutes=1)
    (second,) = renewals_create(now=later)
    assert first != second
    assert set(OutboxEmail.objects.filter(template="renewal_created").values_list("key", flat=True)) == {
        f"renewal-created:{first}",
        f"renewal-created:{second}",
    }
    assert service.pk in OrderLine.objects.filter(order_id=second).values_list("renewed_service", flat=True)


# --- integration: the task itself, committed, run twice and concurrently ---------------------------


def _due_services(count: int) -> list[Service]:
    account = UserFactory()
    today = local_today("Europe/Paris", timezone.now())
    return [ending(delivered_service(account=account), today + timedelta(days=5)) for _ in range(count)]


@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
def test_the_task_run_twice_creates_one_renewal_per_service():
    services = _due_services(3)

    assert create_renewals.apply().result == 3
    assert create_renewals.apply().result == 0

    per_service = Counter(
        OrderLine.objects.filter(order__kind=OrderKind.RENEWAL).values_list("renewed_service", flat=True)
    )
    assert per_service == Counter({service.pk: 1 for service in services})
    assert OutboxEmail.objects.filter(template="renewal_created").count() == 3


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
def test_two_concurrent_runs_create_one_renewal_per_service():
    services = _due_services(5)
    now = timezone.now()

    outcomes = run_together(lambda: renewals_create(now=now), lambda: renewals_create(now=now))

    assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
    per_service = Counter(
        OrderLine.objects.filter(order__kind=OrderKind.RENEWAL).values_list("renewed_service", flat=True)
    )
    assert per_service == Counter({service.pk: 1 for service in services})
    assert OutboxEmail.objects.filter(template="renewal_created").count() == 5
