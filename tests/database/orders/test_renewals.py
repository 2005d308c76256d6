"""Renewal orders (`service_renew`) and the services the beat job renews (`services_due_for_renewal`)."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from accounts.models import LegalForm
from core.errors import Conflict
from core.localtime import local_today
from orders import history
from orders.models import Order, OrderKind, OrderLine, OrderStatus, Service
from orders.services.expiry import orders_expire
from orders.services.renewals import service_renew, services_due_for_renewal
from orders.withdrawal import withdrawal_eligibility
from tests.support.factories import PricingFactory, UserFactory, pay_order, subsidiary
from tests.support.orders import deliver, delivered_service, ending

pytestmark = pytest.mark.django_db


def test_a_renewal_order_has_one_duration_line_priced_from_the_current_pricing():
    service = delivered_service(installation="20.00")
    account = service.account
    pricing = service.plan.pricings.get()
    pricing.price = Decimal("49.00")  # the current price applies, not the one first paid
    pricing.save()
    now = timezone.now()

    order = service_renew(service=service, now=now)

    assert order.kind == OrderKind.RENEWAL and order.status == OrderStatus.NOT_PAID and order.cart is None
    assert order.created_at == now and order.expires_at == now + timedelta(days=7)
    assert order.billing == account.billing_snapshot() and order.language == account.language
    (line,) = order.lines.all()  # no installation fee again
    assert line.kind == OrderLine.Kind.DURATION and line.renewed_service == service
    assert (line.plan, line.duration, line.months, line.pricing_mode) == (service.plan, "P12M", 12, "default")
    assert (line.quantity, line.unit_price, line.net_total) == (1, Decimal("49.00"), Decimal("49.00"))
    assert (line.vat_rate, line.vat_amount, line.gross_amount) == (Decimal("0.2"), Decimal("9.80"), Decimal("58.80"))
    assert service.name in line.description
    assert (order.currency, order.total_net, order.total_vat, order.total_gross) == (
        "EUR", Decimal("49.00"), Decimal("9.80"), Decimal("58.80"))
    assert list(order.events.values_list("label", flat=True)) == [history.ORDER_STARTED]
    assert not order.consents.exists()
    assert withdrawal_eligibility(order, now=now).rule == "renewal"


def test_vat_is_computed_as_at_checkout():
    oss = UserFactory(country="DE")  # a French subsidiary's consumer in Germany pays German VAT
    line = service_renew(service=delivered_service(account=oss, price="100.00"), now=timezone.now()).lines.get()
    assert (line.vat_rate, line.vat_amount) == (Decimal("0.19"), Decimal("19.00"))

    business = UserFactory(legal_form=LegalForm.CORPORATION, country="DE", vat_number="DE123456789",
                           organisation="Muster GmbH")
    order = service_renew(service=delivered_service(account=business, price="100.00"), now=timezone.now())
    assert order.reverse_charge and order.total_vat == 0 and order.total_gross == Decimal("100.00")

    tunisia = UserFactory(subsidiary=subsidiary("TN"), country="TN")
    order = service_renew(service=delivered_service(account=tunisia, price="10.005"), now=timezone.now())
    assert (order.currency, order.total_net, order.total_vat) == ("TND", Decimal("10.005"), Decimal("1.901"))


def test_one_unpaid_renewal_per_service_at_a_time():
    service = delivered_service()
    now = timezone.now()
    first = service_renew(service=service, now=now)
    assert service_renew(service=service, now=now + timedelta(days=1)) == first
    assert Order.objects.filter(kind=OrderKind.RENEWAL).count() == 1
    other = service_renew(service=delivered_service(account=service.account), now=now)
    assert other != first  # another service has its own renewal

    later = now + timedelta(days=8)  # the first one expired, even before the sweep marks it
    second = service_renew(service=service, now=later)
    assert second != first and second.status == OrderStatus.NOT_PAID
    orders_expire(now=later)
    assert service_renew(service=service, now=later) == second


def test_a_paid_renewal_being_processed_blocks_another_one():
    service = delivered_service()
    renewal = pay_order(service_renew(service=service, now=timezone.now()))
    assert renewal.status == OrderStatus.DELIVERING
    with pytest.raises(Conflict):
        service_renew(service=service, now=timezone.now())


def test_paying_and_delivering_a_renewal_extends_the_period_from_its_previous_end():
    service = delivered_service(months=1, price="9.99")
    previous_end = date(2027, 1, 31)
    Service.objects.filter(pk=service.pk).update(period_end=previous_end)
    services_before = Service.objects.count()

    renewal = service_renew(service=service, now=timezone.now())
    deliver(pay_order(renewal))

    service.refresh_from_db()
    assert service.period_end == previous_end + relativedelta(months=1) == date(2027, 2, 28)
    line = renewal.lines.get()
    assert (line.period_start, line.period_end) == (previous_end, date(2027, 2, 28)) and line.delivered_at
    assert Service.objects.count() == services_before  # extended, not a new service
    assert service_renew(service=service, now=timezone.now()) != renewal  # the next period's renewal


def test_what_cannot_be_renewed():
    service = delivered_service()
    now = timezone.now()

    Service.objects.filter(pk=service.pk).update(status=Service.Status.SUSPENDED)
    with pytest.raises(Conflict, match="not active"):
        service_renew(service=service, now=now)
    Service.objects.filter(pk=service.pk).update(status=Service.Status.ACTIVE, renews=False)
    with pytest.raises(Conflict, match="does not renew"):
        service_renew(service=service, now=now)
    Service.objects.filter(pk=service.pk).update(renews=True)
    service.plan.renews = False
    service.plan.save()
    with pytest.raises(Conflict, match="does not renew"):
        service_renew(service=service, now=now)
    service.plan.renews = True
    service.plan.save()

    # No 12-month default pricing in the account's subsidiary any more (only elsewhere, or another mode).
    service.plan.pricings.update(pricing_mode="upfront12")
    PricingFactory(plan=service.plan, subsidiary=subsidiary("DE"), duration="P12M", months=12)
    PricingFactory(plan=service.plan, duration="P1M", months=1)
    with pytest.raises(Conflict, match="no 12-month price in subsidiary FR"):
        service_renew(service=service, now=now)
    assert not Order.objects.filter(kind=OrderKind.RENEWAL).exists()


# --- services_due_for_renewal ------------------------------------------------------------------------



def test_due_services_end_within_the_lead_days_and_have_no_open_renewal():
    now = timezone.now()
    today = local_today("Europe/Paris", now)
    account = UserFactory()
    due = [ending(delivered_service(account=account), today + timedelta(days=d)) for d in (0, 7, 14)]
    not_due = [ending(delivered_service(account=account), today + timedelta(days=d)) for d in (-1, 15, 300)]
    suspended = ending(delivered_service(account=account), today + timedelta(days=3))
    Service.objects.filter(pk=suspended.pk).update(status=Service.Status.SUSPENDED)
    not_renewing = ending(delivered_service(account=account), today + timedelta(days=3))
    Service.objects.filter(pk=not_renewing.pk).update(renews=False)

    assert list(services_due_for_renewal(now=now)) == due
    assert not set(services_due_for_renewal(now=now)) & set(not_due)

    service_renew(service=due[1], now=now)
    assert list(services_due_for_renewal(now=now)) == [due[0], due[2]]


def test_an_expired_or_paid_renewal_and_the_service_is_due_again_or_extended():
    now = timezone.now()
    today = local_today("Europe/Paris", now)
    service = ending(delivered_service(), today + timedelta(days=13))
    renewal = service_renew(service=service, now=now)
    assert service not in services_due_for_renewal(now=now)

    # Expired unpaid (swept or not): due again, so the beat makes a fresh purchase order.
    after_expiry = renewal.expires_at + timedelta(minutes=1)
    assert service in services_due_for_renewal(now=after_expiry)
    orders_expire(now=after_expiry)
    assert service in services_due_for_renewal(now=after_expiry)

    # Paid: not due while it is delivered, and no longer due once the period is extended.
    fresh = service_renew(service=service, now=now)
    pay_order(fresh)
    assert service not in services_due_for_renewal(now=now)
    deliver(fresh)
    service.refresh_from_db()
    assert service.period_end == today + timedelta(days=13) + relativedelta(months=12)
    assert service not in services_due_for_renewal(now=now)


def test_due_dates_are_local_days_of_each_subsidiary():
    # 03:00 UTC on 10 March 2026: already the 10th in Paris, still the 9th in New York.
    now = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    french = UserFactory()
    american = UserFactory(subsidiary=subsidiary("US"), country="US", address="1 Main St", city="New York",
                           postcode="10001")
    fr_last_day = ending(delivered_service(account=french), date(2026, 3, 24))
    us_last_day = ending(delivered_service(account=american), date(2026, 3, 23))
    us_too_far = ending(delivered_service(account=american), date(2026, 3, 24))
    fr_ended = ending(delivered_service(account=french), date(2026, 3, 9))
    us_ends_today = ending(delivered_service(account=american), date(2026, 3, 9))

    due = set(services_due_for_renewal(now=now))
    assert {fr_last_day, us_last_day, us_ends_today} <= due
    assert not {us_too_far, fr_ended} & due


def test_a_late_renewal_paid_resumes_the_suspended_service():
    service = delivered_service()
    renewal = service_renew(service=service, now=timezone.now())
    Service.objects.filter(pk=service.pk).update(status=Service.Status.SUSPENDED, suspended_at=timezone.now())
    deliver(pay_order(renewal))
    service.refresh_from_db()
    assert service.status == Service.Status.ACTIVE and service.suspended_at is None
