"""A refund goes back through the means that paid; only a bank transfer's goes to an IBAN, set by the customer or by
finance on the customer's written request with a second finance person approving, each change an order event."""

import pytest
from django.urls import reverse

from core.errors import Conflict, InvalidInput
from orders import history
from orders.models import Refund, RefundDestinationChange
from orders.services.consents import Evidence
from orders.services.payments import order_pay, payment_mark_transfer_received
from orders.services.refund_destinations import (
    refund_approve_destination,
    refund_request_destination,
    refund_set_destination,
)
from orders.services.refunds import refund_execute
from orders.services.validation import order_refuse_and_refund
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from orders.tasks import pay_refund
from payments.kinds import PaymentKind
from payments.models import SandboxTransaction
from tests.support.factories import PaymentMethodFactory, UserFactory, place_order, withdrawn_order_refund

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
IBAN = "FR7630006000011234567890189"
OTHER_IBAN = "DE89370400440532013000"
LETTER = "Letter of 3 March 2026, ref. CUST-881, signed by the customer"


def ledger_refund(refund: Refund) -> SandboxTransaction:
    return SandboxTransaction.objects.get(operation="refund", idempotency_key=refund.idempotency_key)


def transfer_paid_order(*, consumer=False):
    """Paid by bank transfer (offered to businesses); `consumer` makes the account an individual's afterwards, so
    that it may withdraw (an account whose legal form was corrected)."""
    account = UserFactory(legal_form="corporation", organisation="Acme")
    order = place_order(account=account)
    method = PaymentMethodFactory(account=account, kind=PaymentKind.BANK_TRANSFER)
    payment = order_pay(order_id=order.pk, account=account, method=method)
    payment_mark_transfer_received(payment_id=payment.pk)
    order.refresh_from_db()
    if consumer:
        type(account).objects.filter(pk=account.pk).update(legal_form="individual", organisation="")
        order.billing = {**order.billing, "legal_form": "individual"}
        order.save(update_fields=["billing"])
    return order


@pytest.fixture
def finance():
    return UserFactory(is_staff=True), UserFactory(is_staff=True)


@pytest.fixture
def waiting_transfer_refund():
    """A refused transfer-paid order: its refund has no IBAN yet, so it waits for one (the customer is asked)."""
    order = transfer_paid_order()
    order_refuse_and_refund(order_id=order.pk)
    refund = Refund.objects.get(order=order)
    assert refund.status == Refund.Status.NEEDS_IBAN and refund.iban == "" and refund.attempts == 0
    return refund


def test_a_card_refund_goes_back_to_the_card_whatever_iban_its_row_holds(monkeypatch):
    refund = withdrawn_order_refund(monkeypatch)
    Refund.objects.filter(pk=refund.pk).update(iban=IBAN)  # written straight into the database

    refund = refund_execute(refund_id=refund.pk)

    assert refund.status == Refund.Status.PAID
    assert ledger_refund(refund).kind == PaymentKind.CARD


def test_finance_cannot_edit_a_refunds_iban_in_the_admin(client, monkeypatch):
    refund = withdrawn_order_refund(monkeypatch)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(reverse("admin:orders_refund_change", args=[refund.pk]), {"iban": IBAN})

    refund.refresh_from_db()
    assert response.status_code in (200, 302) and refund.iban == ""
    page = client.get(reverse("admin:orders_refund_change", args=[refund.pk])).content.decode()
    assert 'name="iban"' not in page


def test_a_customer_gives_the_iban_of_a_transfer_refund_and_the_history_says_so(monkeypatch):
    monkeypatch.setattr(pay_refund, "apply_async", lambda args, **options: None)
    order = transfer_paid_order(consumer=True)
    account = order.account
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True, iban="fr76 3000 6000 0112 3456 7890 189"),
        evidence=Evidence(channel="panel", actor=account),
        channel="panel",
    )
    refund = Refund.objects.get(order=order)
    event = order.events.get(label=history.REFUND_IBAN_GIVEN)
    assert refund.iban == IBAN
    assert event.actor == account and event.channel == "panel"
    assert event.data == {"refund_id": refund.pk, "iban": "•••• 0189"}
    assert str(history.LABEL_TEXTS[event.label])

    refund = refund_execute(refund_id=refund.pk)
    assert refund.status == Refund.Status.PAID and ledger_refund(refund).kind == PaymentKind.BANK_TRANSFER


def test_staff_cannot_set_an_iban_directly_even_through_a_withdrawal_letter(monkeypatch, waiting_transfer_refund):
    staff = UserFactory(is_staff=True)
    with pytest.raises(Conflict, match="second finance person"):
        refund_set_destination(refund_id=waiting_transfer_refund.pk, iban=IBAN, actor=staff, channel="staff")

    monkeypatch.setattr(pay_refund, "apply_async", lambda args, **options: None)
    order = transfer_paid_order(consumer=True)
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True, iban=IBAN),
        evidence=Evidence(channel="staff", actor=staff),
        channel="staff",
    )
    refund = Refund.objects.get(order=order)
    change = refund.destination_changes.get()
    assert refund.iban == "" and change.status == RefundDestinationChange.Status.PENDING
    assert change.requested_by == staff and order.events.filter(label=history.REFUND_IBAN_CHANGE_REQUESTED).exists()


def test_finance_changes_a_transfer_refunds_iban_only_with_a_second_person(finance, waiting_transfer_refund):
    first, second = finance
    refund = waiting_transfer_refund

    change = refund_request_destination(refund_id=refund.pk, iban=OTHER_IBAN, customer_request=LETTER, staff=first)

    refund.refresh_from_db()
    assert refund.iban == "" and change.status == RefundDestinationChange.Status.PENDING
    requested = refund.order.events.get(label=history.REFUND_IBAN_CHANGE_REQUESTED)
    assert requested.actor == first and requested.channel == "staff"
    assert requested.data["iban"] == "•••• 3000" and requested.data["customer_request"] == LETTER
    assert OTHER_IBAN not in str(requested.data)

    with pytest.raises(Conflict, match="second finance person"):
        refund_approve_destination(change_id=change.pk, staff=first)
    refund.refresh_from_db()
    assert refund.iban == "" and not refund.order.events.filter(label=history.REFUND_IBAN_CHANGE_APPROVED).exists()

    refund_approve_destination(change_id=change.pk, staff=second)

    refund.refresh_from_db()
    change.refresh_from_db()
    assert refund.iban == OTHER_IBAN and change.approved_by == second
    approved = refund.order.events.get(label=history.REFUND_IBAN_CHANGE_APPROVED)
    assert approved.actor == second and approved.data["iban"] == "•••• 3000"
    # Once it has an IBAN the refund goes ahead on its own (its task ran on commit): nothing changes it any more.
    with pytest.raises(Conflict, match="paid refund's destination cannot change"):
        refund_approve_destination(change_id=change.pk, staff=UserFactory(is_staff=True))
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PAID and ledger_refund(refund).kind == PaymentKind.BANK_TRANSFER


def test_a_request_needs_the_customers_written_request_and_a_valid_iban(finance, waiting_transfer_refund):
    first, _second = finance
    with pytest.raises(InvalidInput, match="written request"):
        refund_request_destination(refund_id=waiting_transfer_refund.pk, iban=IBAN, customer_request=" ", staff=first)
    with pytest.raises(InvalidInput, match="IBAN is not valid"):
        refund_request_destination(refund_id=waiting_transfer_refund.pk, iban="FR00", customer_request=LETTER,
                                   staff=first)
    refund_request_destination(refund_id=waiting_transfer_refund.pk, iban=IBAN, customer_request=LETTER, staff=first)
    with pytest.raises(Conflict, match="already waiting"):
        refund_request_destination(refund_id=waiting_transfer_refund.pk, iban=OTHER_IBAN, customer_request=LETTER,
                                   staff=first)


def test_a_card_refund_has_no_iban_to_change(finance, monkeypatch):
    first, _second = finance
    refund = withdrawn_order_refund(monkeypatch)
    with pytest.raises(Conflict, match="means that paid"):
        refund_request_destination(refund_id=refund.pk, iban=IBAN, customer_request=LETTER, staff=first)
    with pytest.raises(Conflict, match="means that paid"):
        refund_set_destination(refund_id=refund.pk, iban=IBAN, actor=refund.order.account, channel="panel")
    assert not RefundDestinationChange.objects.exists() and Refund.objects.get(pk=refund.pk).iban == ""


def test_a_paid_refunds_destination_never_changes(finance, waiting_transfer_refund):
    first, second = finance
    refund = waiting_transfer_refund
    change = refund_request_destination(refund_id=refund.pk, iban=IBAN, customer_request=LETTER, staff=first)
    refund_approve_destination(change_id=change.pk, staff=second)
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.PAID

    for attempt in (
        lambda: refund_request_destination(refund_id=refund.pk, iban=OTHER_IBAN, customer_request=LETTER, staff=first),
        lambda: refund_set_destination(refund_id=refund.pk, iban=OTHER_IBAN, actor=refund.order.account,
                                       channel="panel"),
    ):
        with pytest.raises(Conflict, match="paid refund"):
            attempt()
    assert Refund.objects.get(pk=refund.pk).iban == IBAN


def test_a_change_approved_after_the_refund_was_paid_changes_nothing(finance, waiting_transfer_refund):
    first, second = finance
    refund = waiting_transfer_refund
    Refund.objects.filter(pk=refund.pk).update(iban=IBAN)
    change = refund_request_destination(refund_id=refund.pk, iban=OTHER_IBAN, customer_request=LETTER, staff=first)
    Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.PAID)

    with pytest.raises(Conflict, match="paid refund"):
        refund_approve_destination(change_id=change.pk, staff=second)
    assert Refund.objects.get(pk=refund.pk).iban == IBAN
    assert RefundDestinationChange.objects.get(pk=change.pk).status == RefundDestinationChange.Status.PENDING


def test_two_finance_people_change_an_iban_through_the_admin(client, waiting_transfer_refund):
    from accounts.groups import FINANCE, ensure_staff_groups

    groups = ensure_staff_groups()
    first, second = UserFactory(is_staff=True), UserFactory(is_staff=True)
    for user in (first, second):
        user.groups.add(groups[FINANCE])
    refund = waiting_transfer_refund
    url = reverse("admin:orders_refund_destination", args=[refund.pk])
    client.force_login(first)
    assert reverse("admin:orders_refund_destination", args=[refund.pk]) in client.get(
        reverse("admin:orders_refund_change", args=[refund.pk])
    ).content.decode()
    assert client.post(url, {"iban": OTHER_IBAN, "customer_request": ""}).status_code == 200  # refused, redisplayed
    response = client.post(url, {"iban": OTHER_IBAN, "customer_request": LETTER})
    assert response.status_code == 302
    change = RefundDestinationChange.objects.get(refund=refund)
    changelist = reverse("admin:orders_refunddestinationchange_changelist")

    client.post(changelist, {"action": "approve", "_selected_action": [change.pk]})
    assert Refund.objects.get(pk=refund.pk).iban == ""

    client.force_login(second)
    client.post(changelist, {"action": "approve", "_selected_action": [change.pk]})
    assert Refund.objects.get(pk=refund.pk).iban == OTHER_IBAN
    assert OTHER_IBAN not in client.get(changelist).content.decode()
