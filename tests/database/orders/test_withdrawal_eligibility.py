"""Eligibility for withdrawal: who, what, when (design.md section 4), per order and per line."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import LegalForm
from orders import lifecycle
from orders.models import Consent, OrderLine
from orders.services.consents import Evidence, order_waive_retraction
from orders.services.validation import order_validate
from orders.withdrawal import withdrawal_eligibility
from tests.support.factories import PlanFactory, PricingFactory, UserFactory, pay_order, place_order

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def delivered_order(*, account=None, pricings=None, express_request=False, paid_at=None):
    """A paid, delivered order: a first order goes through staff validation."""
    account = account or UserFactory()
    paid_at = paid_at or timezone.now()
    order = place_order(
        account=account, pricings=pricings, express_request=express_request, now=paid_at - timedelta(hours=1)
    )
    order = pay_order(order, now=paid_at)
    from orders.services.delivery import order_deliver

    order_validate(order_id=order.pk, staff=None)
    order_deliver(order_id=order.pk, now=paid_at)
    order.refresh_from_db()
    return order


def test_unpaid_order_is_not_withdrawable():
    result = withdrawal_eligibility(place_order(), now=timezone.now())
    assert not result.eligible and result.rule == "not_paid" and result.reason


def test_business_accounts_cannot_withdraw():
    account = UserFactory(legal_form=LegalForm.CORPORATION)
    order = pay_order(place_order(account=account))
    assert withdrawal_eligibility(order, now=timezone.now()).rule == "not_consumer"


def test_in_validation_every_line_is_refunded_in_full():
    pricing = PricingFactory(price=Decimal("29.99"), installation_fee=Decimal("10.00"))
    order = pay_order(place_order(pricings=[pricing]))
    result = withdrawal_eligibility(order, now=timezone.now())
    assert result.eligible and all(line.withdrawable for line in result.lines)
    assert result.refund_total == order.total_gross


def test_deadline_is_the_end_of_the_local_day_and_rolls_over_holidays():
    # Concluded Fri 2026-04-24 in FR: D+14 is Fri 8 May (a public holiday), so Mon 11 May.
    order = pay_order(place_order(now=at(2026, 4, 24, 9)), now=at(2026, 4, 24, 10))
    result = withdrawal_eligibility(order, now=at(2026, 5, 11, 23, 59))
    assert result.eligible and result.deadline == date(2026, 5, 11)
    assert result.deadline_at == at(2026, 5, 12, 0, 0)
    over = withdrawal_eligibility(order, now=at(2026, 5, 12, 0, 0))
    assert not over.eligible and over.rule == "period_over"


def test_conclusion_is_the_local_date_of_payment():
    # 23:30 UTC on 3 March is already 4 March in Paris: deadline Wed 18 March.
    order = pay_order(place_order(), now=datetime(2026, 3, 3, 23, 30, tzinfo=ZoneInfo("UTC")))
    assert order.concluded_on == date(2026, 3, 4)
    assert withdrawal_eligibility(order, now=at(2026, 3, 5)).deadline == date(2026, 3, 18)


def test_without_information_the_period_is_twelve_months_longer():
    order = pay_order(place_order(now=at(2026, 3, 4, 9)), now=at(2026, 3, 4, 10))
    order.withdrawal_info_given = False  # as if the checkout had not shown it
    result = withdrawal_eligibility(order, now=at(2027, 3, 1))
    assert result.eligible and result.deadline == date(2027, 3, 18)
    assert result.refund_total == order.total_gross  # art. 14(4): nothing to pay for days used


def test_delivered_hosting_without_express_request_is_refunded_in_full():
    order = delivered_order()
    result = withdrawal_eligibility(order, now=timezone.now() + timedelta(days=5))
    assert result.eligible and result.refund_total == order.total_gross


def test_delivered_hosting_with_express_request_is_prorated():
    pricing = PricingFactory(price=Decimal("29.99"))
    paid_at = at(2026, 1, 10, 12)
    order = delivered_order(pricings=[pricing], express_request=True, paid_at=paid_at)
    line = order.lines.get()
    assert (line.period_start, line.period_end) == (date(2026, 1, 10), date(2026, 2, 10))
    result = withdrawal_eligibility(order, now=at(2026, 1, 19, 15))
    # 31 days, 10 used (delivery day and today included), on the gross amount 35.99
    assert line.gross_amount == Decimal("35.99")
    assert result.lines[0].refund == Decimal("24.38")  # 35.99 × 21 / 31 = 24.380…


def test_delivered_domain_with_request_and_acknowledgement_is_excluded_but_hosting_is_not():
    domain = PricingFactory(plan=PlanFactory(family="domain", excludable=True), duration="P12M", months=12)
    hosting = PricingFactory()
    order = delivered_order(pricings=[domain, hosting], express_request=True)
    result = withdrawal_eligibility(order, now=timezone.now() + timedelta(days=1))
    by_family = {line.line.plan.family: line for line in result.lines}
    assert not by_family["domain"].withdrawable and by_family["domain"].rule == "excluded"
    assert by_family["webHosting"].withdrawable
    assert result.eligible


def test_a_waiver_alone_takes_nothing_away():
    """Art. 25: the domain is excluded only if request and acknowledgement came before delivery."""
    domain = PricingFactory(plan=PlanFactory(family="domain", excludable=True), duration="P12M", months=12)
    order = delivered_order(pricings=[domain])
    order_waive_retraction(order=order, evidence=Evidence(channel="api"), now=timezone.now() + timedelta(hours=1))
    assert order.consents.filter(kind=Consent.Kind.EXCLUDABLE_ACK).exists()
    result = withdrawal_eligibility(order, now=timezone.now() + timedelta(hours=2))
    assert result.eligible and result.lines[0].withdrawable
    assert result.refund_total == order.total_gross


def test_undelivered_domain_can_be_withdrawn_even_with_a_waiver():
    domain = PricingFactory(plan=PlanFactory(family="domain", excludable=True), duration="P12M", months=12)
    order = pay_order(place_order(pricings=[domain], express_request=True))
    assert withdrawal_eligibility(order, now=timezone.now()).eligible


def test_only_an_excluded_domain_leaves_nothing_to_withdraw():
    domain = PricingFactory(plan=PlanFactory(family="domain", excludable=True), duration="P12M", months=12)
    order = delivered_order(pricings=[domain], express_request=True)
    result = withdrawal_eligibility(order, now=timezone.now())
    assert not result.eligible and result.rule == "nothing_left"


def test_cancelled_lines_stay_cancelled():
    order = pay_order(place_order(pricings=[PricingFactory(), PricingFactory()]))
    OrderLine.objects.filter(order=order, group=1).update(cancelled_at=timezone.now())
    result = withdrawal_eligibility(order, now=timezone.now())
    assert [line.rule for line in result.lines] == ["cancelled", ""]
    assert result.refund_total == order.lines.get(group=2).gross_amount


def test_renewals_and_cancelled_orders_are_not_withdrawable():
    order = pay_order(place_order())
    lifecycle.order_refuse(order_id=order.pk)
    order.refresh_from_db()
    assert withdrawal_eligibility(order, now=timezone.now()).rule == "cancelled"
    order.kind = "renewal"
    assert withdrawal_eligibility(order, now=timezone.now()).rule == "renewal"


def test_the_list_decides_withdrawal_as_the_withdrawal_page_does():
    """orders.selectors.withdrawable_ids (the list's link, read as plain values) agrees with
    withdrawal_eligibility on excluded, waived, undelivered, partly and wholly cancelled orders."""
    from orders.selectors import withdrawable_ids

    def domain():
        return PricingFactory(plan=PlanFactory(family="domain", excludable=True), duration="P12M", months=12)

    excluded_only = delivered_order(pricings=[domain()], express_request=True)
    excluded_and_hosting = delivered_order(pricings=[domain(), PricingFactory()], express_request=True)
    waived = delivered_order(pricings=[domain()])
    order_waive_retraction(order=waived, evidence=Evidence(channel="api"), now=timezone.now() + timedelta(hours=1))
    undelivered = pay_order(place_order(pricings=[domain()], express_request=True))
    partly_cancelled = pay_order(place_order(pricings=[PricingFactory(), PricingFactory()]))
    OrderLine.objects.filter(order=partly_cancelled, group=1).update(cancelled_at=timezone.now())
    all_cancelled = pay_order(place_order(pricings=[PricingFactory()]))
    OrderLine.objects.filter(order=all_cancelled).update(cancelled_at=timezone.now())
    orders = [excluded_only, excluded_and_hosting, waived, undelivered, partly_cancelled, all_cancelled]
    now = timezone.now() + timedelta(hours=2)

    expected = {order.pk for order in orders if withdrawal_eligibility(order, now=now).eligible}
    assert expected == {excluded_and_hosting.pk, waived.pk, undelivered.pk, partly_cancelled.pk}
    assert withdrawable_ids(orders) == expected
