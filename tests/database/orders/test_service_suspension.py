"""Services of cancelled orders and of unpaid renewals: suspended, then deleted, through the provisioner."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from core.errors import ProvisioningError
from core.localtime import local_today
from orders import lifecycle
from orders.models import Order, OrderStatus, Service
from orders.provisioning import SandboxProvisioner
from orders.services.expiry import orders_expire
from orders.services.renewals import service_renew
from orders.services.service_lifecycle import services_suspend_and_delete, services_suspend_for_order
from orders.tasks import suspend_and_delete_services
from tests.support.factories import pay_order
from tests.support.orders import deliver, delivered_service, ending

pytestmark = pytest.mark.django_db

A = Service.Status


class RecordingProvisioner(SandboxProvisioner):
    calls: list = []
    fail_for: set = set()

    def suspend(self, *, service):
        if service.pk in self.fail_for:
            raise ProvisioningError("infrastructure down")
        self.calls.append(("suspend", service.pk))

    def delete(self, *, service):
        self.calls.append(("delete", service.pk))


@pytest.fixture(autouse=True)
def provisioner(settings):
    settings.PROVISIONER = f"{__name__}.RecordingProvisioner"
    RecordingProvisioner.calls = []
    RecordingProvisioner.fail_for = set()
    return RecordingProvisioner


def status(service: Service) -> str:
    service.refresh_from_db()
    return service.status


def today():
    return local_today("Europe/Paris", timezone.now())


def withdraw(service: Service) -> Order:
    order = service.origin_line.order
    return lifecycle.order_start_withdrawal(order_id=order.pk, actor=order.account, channel="panel")


def test_the_sweep_is_scheduled_and_the_delay_is_a_setting():
    assert settings.CELERY_BEAT_SCHEDULE["suspend-and-delete-services"]["task"] == (
        "orders.tasks.suspend_and_delete_services"
    )
    assert settings.SERVICE_DELETION_DAYS == 30


def test_services_of_a_withdrawn_order_are_suspended_then_deleted_after_the_delay(provisioner):
    service = delivered_service()
    other = delivered_service()
    now = timezone.now()
    assert services_suspend_and_delete(now=now).suspended == []

    assert withdraw(service).status == OrderStatus.CANCELLING
    result = services_suspend_and_delete(now=now)

    assert result.suspended == [service.pk] and status(service) == A.SUSPENDED and status(other) == A.ACTIVE
    assert service.suspended_at == now and provisioner.calls == [("suspend", service.pk)]

    # Running it again changes nothing, until the deletion delay has passed.
    assert services_suspend_and_delete(now=now + timedelta(days=29)).deleted == []
    later = now + timedelta(days=30)
    assert services_suspend_and_delete(now=later).deleted == [service.pk]
    assert status(service) == A.DELETED and service.deleted_at == later
    assert services_suspend_and_delete(now=later + timedelta(days=1)) == type(result)()
    assert provisioner.calls == [("suspend", service.pk), ("delete", service.pk)]
    assert status(other) == A.ACTIVE


def test_the_deletion_delay_is_a_setting(settings):
    settings.SERVICE_DELETION_DAYS = 2
    service = delivered_service()
    withdraw(service)
    now = timezone.now()
    services_suspend_and_delete(now=now)
    assert services_suspend_and_delete(now=now + timedelta(days=2)).deleted == [service.pk]


def test_a_cancelled_order_suspends_its_services_and_the_order_function_does_one_order():
    service = delivered_service()
    other = delivered_service()
    order = withdraw(service)
    assert services_suspend_for_order(order_id=other.origin_line.order_id) == []  # not cancelled: nothing
    assert services_suspend_for_order(order_id=order.pk) == [service.pk]
    assert services_suspend_for_order(order_id=order.pk) == []
    assert status(service) == A.SUSPENDED and status(other) == A.ACTIVE
    assert services_suspend_and_delete().suspended == []


def test_a_lapsed_service_whose_renewal_stayed_unpaid_is_suspended():
    service = ending(delivered_service(), today() + timedelta(days=10))
    now = timezone.now()
    renewal = service_renew(service=service, now=now)

    # The period still runs: nothing, whatever happens to the renewal.
    assert services_suspend_and_delete(now=now).suspended == []
    # The period has ended while the renewal is still payable: it holds.
    ending(service, today() - timedelta(days=1))
    assert services_suspend_and_delete(now=now).suspended == []
    # The renewal expired unpaid: suspended.
    after = renewal.expires_at + timedelta(minutes=1)
    orders_expire(now=after)
    assert services_suspend_and_delete(now=after).suspended == [service.pk]
    assert status(service) == A.SUSPENDED


def test_the_last_day_of_the_period_is_still_running_and_a_paid_renewal_holds():
    running = ending(delivered_service(), today())
    assert services_suspend_and_delete().suspended == []

    service = ending(delivered_service(), today() + timedelta(days=5))
    renewal = service_renew(service=service, now=timezone.now())
    pay_order(renewal)
    ending(service, today() - timedelta(days=1))
    assert services_suspend_and_delete().suspended == []  # paid, being delivered
    deliver(renewal)
    assert services_suspend_and_delete().suspended == []  # extended
    assert status(service) == A.ACTIVE and status(running) == A.ACTIVE


def test_a_provisioning_error_leaves_the_service_for_the_next_sweep(provisioner):
    service = delivered_service()
    withdraw(service)
    provisioner.fail_for = {service.pk}
    result = services_suspend_and_delete()
    assert result.failed == [service.pk] and result.suspended == [] and status(service) == A.ACTIVE
    provisioner.fail_for = set()
    assert services_suspend_and_delete().suspended == [service.pk]


def test_the_task_reports_what_it_did():
    service = delivered_service()
    withdraw(service)
    assert suspend_and_delete_services.apply().result == {"suspended": 1, "deleted": 0, "failed": 0}
    assert suspend_and_delete_services.apply().result == {"suspended": 0, "deleted": 0, "failed": 0}
