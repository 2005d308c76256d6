"""Scale data (`python -m bench scale_data`): counts, one big customer, totals that add up, the lifecycle's
events, invoices numbered without gaps, pages that render, and a second run refused."""

from collections import Counter

import pytest
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bench.scale_data import BIG_CUSTOMER, PATHS, ScaleDataError, main, scale_data_generate
from orders import history
from orders.models import Consent, DocumentSequence, Invoice, Order, OrderEvent, OrderStatus, Payment

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(databases=["default", "sandbox"])]


@pytest.fixture
def scale():
    assert main(["--customers=4", "--orders=300", "--big-customer-orders=150"]) == 0
    return User.objects.get(username=BIG_CUSTOMER)


def test_counts_and_one_big_customer(scale):
    per_customer = dict(
        User.objects.filter(username__startswith="scale-").annotate(n=Count("orders")).values_list("username", "n")
    )
    assert per_customer == {BIG_CUSTOMER: 150, "scale-000002": 50, "scale-000003": 50, "scale-000004": 50}
    assert not scale.has_usable_password()
    orders = Order.objects.filter(account__username__startswith="scale-")
    assert orders.filter(status__in=[OrderStatus.DELIVERED, OrderStatus.CANCELLED]).exists()
    assert set(orders.values_list("status", flat=True)) <= set(OrderStatus.values)
    # numbered in date order, as orders placed one after the other are
    assert list(orders.order_by("pk").values_list("pk", flat=True)) == list(
        orders.order_by("created_at", "account_id").values_list("pk", flat=True)
    )


def test_totals_add_up_to_the_lines(scale):
    orders = Order.objects.filter(account__username__startswith="scale-").annotate(
        net=Sum("lines__net_total"), vat=Sum("lines__vat_amount"), gross=Sum("lines__gross_amount"), n=Count("lines")
    )
    for order in orders:
        assert order.n >= 1
        assert (order.net, order.vat, order.gross) == (order.total_net, order.total_vat, order.total_gross)
        assert order.total_net + order.total_vat == order.total_gross
        assert order.currency == order.subsidiary.currency
        assert order.billing["handle"] == order.account.handle


def test_events_are_the_lifecycles(scale):
    expected = {(p.status, p.reason): [e[0] for e in p.events] for p in PATHS}
    for order in Order.objects.filter(account=scale).prefetch_related("events"):
        events = list(order.events.all())
        assert [e.label for e in events] == expected[(order.status, order.cancel_reason)]
        assert events[0].label == history.ORDER_STARTED and events[0].actor_id == scale.pk
        moves = [e for e in events if e.to_status]
        if moves:
            assert moves[-1].to_status == order.status
        assert order.version == 1 + len({(e.from_status, e.to_status) for e in moves})


def test_paid_orders_have_a_payment_and_an_invoice_numbered_without_gaps(scale):
    paid = Order.objects.filter(account__username__startswith="scale-", paid_at__isnull=False)
    assert paid.count() == Payment.objects.filter(order__in=paid, status="succeeded").count()
    assert paid.count() == Invoice.objects.filter(order__in=paid).count()
    for sequence in DocumentSequence.objects.filter(kind="invoice", last_number__gt=0):
        numbers = sorted(Invoice.objects.filter(subsidiary=sequence.subsidiary).values_list("number", flat=True))
        assert numbers == [f"IN-{sequence.subsidiary_id}-{n:07d}" for n in range(1, sequence.last_number + 1)]
    sent = OrderEvent.objects.filter(order__in=paid, label=history.INVOICE_SENT).select_related("order__invoice")
    assert all(event.data == {"invoice": event.order.invoice.number} for event in sent)
    consumers = Order.objects.filter(account__username__startswith="scale-", billing__legal_form="individual")
    assert Counter(Consent.objects.filter(order__in=consumers).values_list("kind", flat=True)) == {
        Consent.Kind.INFORMATION_GIVEN: consumers.count()
    }


def test_the_big_customers_pages_render(client, scale):
    client.force_login(scale)
    response = client.get(reverse("orders:list"))
    assert response.status_code == 200 and response.context["page"].paginator.count > 10
    delivered = Order.objects.filter(account=scale, status=OrderStatus.DELIVERED).first()
    for name in ("orders:tracking", "orders:purchase_order"):
        assert client.get(reverse(name, args=[delivered.pk])).status_code == 200


def test_a_second_run_is_refused(scale):
    with pytest.raises(ScaleDataError, match="already there"):
        scale_data_generate(customers=2, orders=10, big_orders=5, now=timezone.now())
    assert Order.objects.filter(account__username__startswith="scale-").count() == 300


@pytest.mark.parametrize(("customers", "orders", "big"), [(0, 10, 5), (2, 10, 11), (1, 10, 5), (5, 10, 8)], ids=str)
def test_impossible_sizes_are_refused(customers, orders, big):
    with pytest.raises(ScaleDataError):
        scale_data_generate(customers=customers, orders=orders, big_orders=big, now=timezone.now())
    assert not User.objects.filter(username__startswith="scale-").exists()
