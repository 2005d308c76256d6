"""The sandbox gateway: test cards, SEPA settling after 3 days, bank transfers, idempotency, its own database.

Charges and refunds refuse to run inside a transaction on `default`, and pytest-django's plain `django_db`
wraps each test in one, so tests that move money are transactional. LEDGER declares only `sandbox`: the
gateway never queries `default`, so its flush after each test leaves the data migration's rows alone.
"""
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connections
from django.utils import timezone

from payments.gateway import GatewayError, GatewayResult, get_gateway
from payments.kinds import PaymentKind
from payments.models import SandboxInstrument, SandboxTransaction
from payments.sandbox import SandboxGateway
from tests.support.factories import PaymentMethodFactory

LEDGER = pytest.mark.django_db(transaction=True, databases=["sandbox"])
SANDBOX_ONLY = pytest.mark.django_db(databases=["sandbox"])

IBAN = "FR7630006000011234567890189"


def card(number: str = "4242424242424242", month: int = 12, year: int = 2099) -> dict:
    return {"number": number, "exp_month": month, "exp_year": year}


def register(kind: str = PaymentKind.CARD, **details) -> str:
    return SandboxGateway().register(kind=kind, details=details or card()).token


def charge(token: str, key: str = "charge-1", amount: str = "10.00") -> GatewayResult:
    return SandboxGateway().charge(token=token, amount=Decimal(amount), currency="EUR", idempotency_key=key)


@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
def test_the_ledger_is_its_own_database():
    assert connections["sandbox"].settings_dict["NAME"] != connections["default"].settings_dict["NAME"]

    result = charge(register())

    # Read the databases themselves: the charge is in the sandbox's, and `default` has no ledger table.
    with connections["sandbox"].cursor() as cursor:
        cursor.execute("SELECT reference, status FROM orders_sandboxtransaction")
        assert cursor.fetchall() == [(result.reference, "succeeded")]
    default_tables = connections["default"].introspection.table_names()
    assert "orders_sandboxtransaction" not in default_tables and "orders_order" in default_tables


@SANDBOX_ONLY
@pytest.mark.parametrize(
    ("kind", "details", "label"),
    [
        (PaymentKind.CARD, card(), "Visa •••• 4242"),
        (PaymentKind.CARD, card("5555 5555 5555 4444"), "Mastercard •••• 4444"),
        (PaymentKind.SEPA, {"iban": "fr76 3000 6000 0112 3456 7890 189"}, "SEPA FR76 •••• 0189"),
        (PaymentKind.PAYPAL, {"email": "buyer@example.com"}, "PayPal buyer@example.com"),
        (PaymentKind.BANK_TRANSFER, {}, "Bank transfer"),
    ],
)
def test_register_gives_a_sandbox_token_and_a_customer_label(kind, details, label):
    registration = SandboxGateway().register(kind=kind, details=details)

    assert registration.label == label
    assert registration.token.startswith(f"sandbox_{kind}_")
    assert SandboxInstrument.objects.get(token=registration.token).kind == kind


@SANDBOX_ONLY
@time_machine.travel(date(2030, 6, 15))
def test_a_card_works_until_the_end_of_its_expiry_month():
    registration = SandboxGateway().register(kind=PaymentKind.CARD, details=card(month=6, year=30))

    assert registration.expires_on == date(2030, 6, 30)
    with pytest.raises(GatewayError, match=r"^This card has expired\.$"):
        SandboxGateway().register(kind=PaymentKind.CARD, details=card(month=5, year=2030))


@SANDBOX_ONLY
@pytest.mark.parametrize(
    ("kind", "details", "message"),
    [
        (PaymentKind.CARD, card("4242424242424241"), "This card number is not valid."),
        (PaymentKind.CARD, card("4242"), "This card number is not valid."),
        (PaymentKind.CARD, card(month=13), "Enter the card's expiry month and year."),
        (PaymentKind.CARD, {"number": "4242424242424242"}, "Enter the card's expiry month and year."),
        (PaymentKind.SEPA, {"iban": "FR7630006000011234567890188"}, "This IBAN is not valid."),
        (PaymentKind.SEPA, {}, "This IBAN is not valid."),
        (PaymentKind.PAYPAL, {"email": "not-an-email"}, "Enter a valid PayPal email address."),
        ("cheque", {}, "This payment method is not supported."),
    ],
)
def test_invalid_details_are_rejected_and_nothing_is_registered(kind, details, message):
    with pytest.raises(GatewayError, match=f"^{message}$"):
        SandboxGateway().register(kind=kind, details=details)
    assert not SandboxInstrument.objects.exists()


@LEDGER
@pytest.mark.parametrize(
    ("number", "status", "message"),
    [
        ("4242424242424242", "succeeded", ""),
        ("5555555555554444", "succeeded", ""),
        ("4111111111111111", "succeeded", ""),
        ("4000000000000002", "declined", "Your card was declined."),
        ("4000000000009995", "declined", "Insufficient funds."),
    ],
)
def test_test_cards_succeed_or_decline_at_once(number, status, message):
    with time_machine.travel(timezone.now(), tick=False):
        result = charge(register(**card(number)))

        assert (result.status, str(result.message)) == (status, message)
        assert result.settles_at == (timezone.now() if status == "succeeded" else None)
    assert result.reference.startswith("sandbox_ch_")
    assert SandboxGateway().lookup(idempotency_key="charge-1") == result


@LEDGER
def test_paypal_succeeds_at_once():
    assert charge(register(PaymentKind.PAYPAL, email="buyer@example.com")).status == "succeeded"


@LEDGER
@pytest.mark.parametrize("number", ["4242424242424242", "4000000000000002"])
def test_a_repeated_charge_returns_the_recorded_result_and_writes_one_row(number):
    token = register(**card(number))

    first, again = charge(token), charge(token)

    assert again == first
    assert SandboxTransaction.objects.count() == 1


@LEDGER
def test_an_idempotency_key_cannot_be_reused_for_another_payment():
    token = register()
    charge(token)

    with pytest.raises(GatewayError, match="already used"):
        charge(token, amount="11.00")
    with pytest.raises(GatewayError, match="already used"):
        SandboxGateway().refund(token=token, amount=Decimal("10.00"), currency="EUR", idempotency_key="charge-1")
    assert SandboxTransaction.objects.count() == 1


@LEDGER
def test_a_repeated_refund_returns_the_recorded_result_and_writes_one_row():
    token = register()
    paid = charge(token)
    gateway = SandboxGateway()

    def refund() -> GatewayResult:
        return gateway.refund(
            token=token, amount=Decimal("4.00"), currency="EUR", idempotency_key="refund-1",
            charge_reference=paid.reference,
        )

    first, again = refund(), refund()

    assert first.status == "succeeded" and first.reference.startswith("sandbox_re_")
    assert again == first
    assert SandboxTransaction.objects.filter(operation="refund").count() == 1


@LEDGER
def test_a_sepa_debit_is_pending_then_settles_after_three_days_through_lookup():
    token = register(PaymentKind.SEPA, iban=IBAN)
    gateway = SandboxGateway()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        started = timezone.now()
        result = charge(token)
        assert (result.status, result.settles_at) == ("pending", started + timedelta(days=3))

        traveller.shift(timedelta(days=3) - timedelta(seconds=1))
        assert gateway.lookup(idempotency_key="charge-1").status == "pending"

        traveller.shift(timedelta(seconds=1))
        settled = gateway.lookup(idempotency_key="charge-1")
    assert (settled.status, settled.reference, settled.settles_at) == ("succeeded", result.reference, result.settles_at)
    assert SandboxTransaction.objects.get().status == "succeeded"


@LEDGER
def test_the_sepa_delay_comes_from_the_settings(settings):
    settings.SANDBOX_SEPA_SETTLE_DAYS = 1
    with time_machine.travel(timezone.now(), tick=False):
        assert charge(register(PaymentKind.SEPA, iban=IBAN)).settles_at == timezone.now() + timedelta(days=1)


@LEDGER
def test_a_bank_transfer_is_pending_until_finance_marks_it_received():
    token = register(PaymentKind.BANK_TRANSFER)
    gateway = SandboxGateway()
    result = charge(token)
    assert (result.status, result.settles_at) == ("pending", None)

    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert gateway.lookup(idempotency_key="charge-1").status == "pending"
        received = gateway.mark_transfer_received(idempotency_key="charge-1")
        assert (received.status, received.settles_at) == ("succeeded", timezone.now())

    assert gateway.lookup(idempotency_key="charge-1") == received
    assert gateway.mark_transfer_received(idempotency_key="charge-1") == received


@LEDGER
def test_only_a_bank_transfer_can_be_marked_received():
    charge(register())

    with pytest.raises(GatewayError, match="Only a bank transfer"):
        SandboxGateway().mark_transfer_received(idempotency_key="charge-1")
    with pytest.raises(GatewayError, match="no payment with this idempotency key"):
        SandboxGateway().mark_transfer_received(idempotency_key="nope")


@LEDGER
def test_cancel_stops_a_pending_debit_for_good():
    gateway = SandboxGateway()
    result = charge(register(PaymentKind.SEPA, iban=IBAN))

    cancelled = gateway.cancel(idempotency_key="charge-1")

    assert (cancelled.status, cancelled.reference, cancelled.settles_at) == ("cancelled", result.reference, None)
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        assert gateway.lookup(idempotency_key="charge-1") == cancelled
    assert gateway.cancel(idempotency_key="charge-1") == cancelled


@LEDGER
def test_cancel_leaves_a_settled_charge_as_it_is():
    paid = charge(register())

    assert SandboxGateway().cancel(idempotency_key="charge-1") == paid


@LEDGER
def test_cancelling_an_unknown_key_blocks_a_late_charge_with_it():
    gateway = SandboxGateway()
    assert gateway.cancel(idempotency_key="never-sent").status == "cancelled"
    with pytest.raises(GatewayError):
        gateway.charge(token=register(), amount=Decimal("10.00"), currency="EUR", idempotency_key="never-sent")
    assert gateway.lookup(idempotency_key="never-sent").status == "cancelled"


@LEDGER
def test_lookup_of_an_unknown_key_is_none():
    assert SandboxGateway().lookup(idempotency_key="never-sent") is None


@LEDGER
def test_a_card_refund_and_a_settled_sepa_refund_succeed_at_once():
    gateway = SandboxGateway()
    card_token, sepa_token = register(), register(PaymentKind.SEPA, iban=IBAN)
    card_paid = charge(card_token, key="card")
    sepa_paid = charge(sepa_token, key="sepa")

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        results = [
            gateway.refund(token=token, amount=Decimal("10.00"), currency="EUR", idempotency_key=f"refund-{key}",
                           charge_reference=paid.reference)
            for token, key, paid in [(card_token, "card", card_paid), (sepa_token, "sepa", sepa_paid)]
        ]
    assert [r.status for r in results] == ["succeeded", "succeeded"]


@LEDGER
def test_a_bank_transfer_refund_goes_to_the_given_iban():
    gateway = SandboxGateway()
    token = register(PaymentKind.BANK_TRANSFER)
    charge(token)
    paid = gateway.mark_transfer_received(idempotency_key="charge-1")

    with pytest.raises(GatewayError, match="needs the customer's IBAN"):
        gateway.refund(token=token, amount=Decimal("10.00"), currency="EUR", idempotency_key="refund-1")
    with pytest.raises(GatewayError, match=r"^This IBAN is not valid\.$"):
        gateway.refund(token=token, amount=Decimal("10.00"), currency="EUR", idempotency_key="refund-1", iban="FR00")
    result = gateway.refund(
        token=token, amount=Decimal("10.00"), currency="EUR", idempotency_key="refund-1",
        charge_reference=paid.reference, iban=IBAN,
    )

    assert result.status == "succeeded"
    assert SandboxTransaction.objects.get(idempotency_key="refund-1").kind == PaymentKind.BANK_TRANSFER


@LEDGER
@pytest.mark.parametrize(
    ("amount", "currency", "kind", "message"),
    [
        ("10.01", "EUR", PaymentKind.CARD, "cannot exceed the charge"),
        ("5.00", "GBP", PaymentKind.CARD, "cannot exceed the charge"),
        ("5.00", "EUR", PaymentKind.SEPA, "Only a settled charge"),
    ],
)
def test_a_refund_must_fit_a_settled_charge(amount, currency, kind, message):
    token = register(kind, **({"iban": IBAN} if kind == PaymentKind.SEPA else card()))
    paid = charge(token)

    with pytest.raises(GatewayError, match=message):
        SandboxGateway().refund(
            token=token, amount=Decimal(amount), currency=currency, idempotency_key="refund-1",
            charge_reference=paid.reference,
        )
    assert not SandboxTransaction.objects.filter(operation="refund").exists()


@LEDGER
def test_a_refund_names_a_charge_of_its_own_payment_method():
    gateway = SandboxGateway()
    token, other = register(), register()
    paid = charge(token)

    for wrong_token in (other, "sandbox_card_forged"):
        with pytest.raises(GatewayError, match="no charge with this reference for this payment method"):
            gateway.refund(
                token=wrong_token, amount=Decimal("1.00"), currency="EUR", idempotency_key="refund-1",
                charge_reference=paid.reference,
            )
    with pytest.raises(GatewayError, match="unknown to the sandbox"):
        gateway.refund(token="sandbox_card_forged", amount=Decimal("1.00"), currency="EUR", idempotency_key="refund-1")
    assert not SandboxTransaction.objects.filter(operation="refund").exists()


@LEDGER
def test_unknown_tokens_and_bad_amounts_are_rejected():
    gateway = SandboxGateway()
    token = register()

    with pytest.raises(GatewayError, match="unknown to the sandbox"):
        charge("sandbox_card_forged")
    with pytest.raises(GatewayError, match="must be positive"):
        charge(token, amount="0")
    with pytest.raises(GatewayError, match="must be positive"):
        charge(token, amount="1.0001")
    with pytest.raises(GatewayError, match="ISO 4217"):
        gateway.charge(token=token, amount=Decimal("1"), currency="eur", idempotency_key="k")
    with pytest.raises(TypeError):
        gateway.charge(token=token, amount=10.0, currency="EUR", idempotency_key="k")
    assert not SandboxTransaction.objects.exists()


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_money_never_moves_inside_a_transaction_such_as_a_plain_django_db_test():
    """pytest-django wraps this test in an atomic block on `default`, as a view or service could be."""
    gateway = SandboxGateway()
    token = register()

    with pytest.raises(RuntimeError, match="inside a database transaction"):
        charge(token)
    with pytest.raises(RuntimeError, match="inside a database transaction"):
        gateway.refund(token=token, amount=Decimal("1"), currency="EUR", idempotency_key="refund-1")
    with pytest.raises(RuntimeError, match="inside a database transaction"):
        gateway.cancel(idempotency_key="charge-1")
    assert not SandboxTransaction.objects.exists()


def test_get_gateway_defaults_to_the_sandbox_and_follows_the_setting(settings):
    gateway = get_gateway()
    assert isinstance(gateway, SandboxGateway)
    assert "Sandbox" in str(gateway.display_name)

    settings.PAYMENT_GATEWAY = f"{__name__}.OtherGateway"
    assert isinstance(get_gateway(), OtherGateway)


class OtherGateway(SandboxGateway):
    """Stands for a real provider configured through settings.PAYMENT_GATEWAY."""


@pytest.mark.django_db(databases=["default", "sandbox"])
@pytest.mark.parametrize(
    ("kind", "label"),
    [(PaymentKind.CARD, "Visa •••• 4242"), (PaymentKind.SEPA, "SEPA FR76 •••• 0189")],
)
def test_the_payment_method_factory_registers_with_the_sandbox(kind, label):
    method = PaymentMethodFactory(kind=kind)

    assert method.label == label
    assert SandboxInstrument.objects.filter(token=method.token, kind=kind, declines=False).exists()


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_a_factory_card_expires_at_the_end_of_a_year_three_years_ahead():
    assert PaymentMethodFactory().expires_on == date(timezone.localdate().year + 3, 12, 31)


@LEDGER
@pytest.mark.parametrize("kind", [PaymentKind.CARD, PaymentKind.SEPA])
def test_a_refund_of_a_card_or_a_debit_goes_back_to_it_whatever_iban_comes_with_it(kind):
    token = register(kind, **({"iban": IBAN} if kind == PaymentKind.SEPA else card()))
    paid = charge(token)

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        result = SandboxGateway().refund(
            token=token, amount=Decimal("10.00"), currency="EUR", idempotency_key="refund-1",
            charge_reference=paid.reference, iban="DE89370400440532013000",
        )

    assert result.status == "succeeded"
    assert SandboxTransaction.objects.get(idempotency_key="refund-1").kind == kind


# --- zero-amount verification and PayPal's approval ---------------------------------------------------


@LEDGER
def test_a_verification_declines_as_a_charge_would_and_moves_no_money():
    gateway = SandboxGateway()
    good, bad = register(), register(**card("4000000000009995"))
    assert gateway.verify(token=good, currency="EUR", idempotency_key="v-1").status == "succeeded"
    declined = gateway.verify(token=bad, currency="EUR", idempotency_key="v-2")
    assert (declined.status, declined.message) == ("declined", "Insufficient funds.")
    assert gateway.verify(token=bad, currency="EUR", idempotency_key="v-2") == declined  # the same key, once
    assert set(SandboxTransaction.objects.values_list("operation", "amount")) == {("verify", Decimal(0))}
    with pytest.raises(GatewayError):
        gateway.verify(token="sandbox_card_unknown", currency="EUR", idempotency_key="v-3")


@LEDGER
def test_an_approval_is_captured_once_and_only_once_approved():
    gateway = SandboxGateway()
    approval = gateway.approval_create(
        kind=PaymentKind.PAYPAL,
        amount=Decimal("12.50"),
        currency="EUR",
        reference="order-1",
        return_url="https://panel.example/return/",
        cancel_url="https://panel.example/cancel/",
    )
    assert approval.approve_url == f"/sandbox/paypal/{approval.token}/"
    state = gateway.approval_get(token=approval.token)
    assert (state.status, state.payer, state.reference) == ("created", None, "order-1")
    with pytest.raises(GatewayError):
        gateway.approval_capture(token=approval.token, idempotency_key="cap-1")  # not approved yet
    back = gateway.approval_decide(token=approval.token, approve=True, payer_email="payer@example.com")
    assert back == f"https://panel.example/return/?token={approval.token}"
    state = gateway.approval_get(token=approval.token)
    assert state.status == "approved" and state.payer.label == "PayPal payer@example.com"
    first = gateway.approval_capture(token=approval.token, idempotency_key="cap-2")
    assert first.status == "succeeded"
    assert gateway.approval_capture(token=approval.token, idempotency_key="cap-2") == first  # the same key: once
    with pytest.raises(GatewayError):
        gateway.approval_capture(token=approval.token, idempotency_key="cap-3")  # another key: no 2nd charge
    charges = SandboxTransaction.objects.filter(operation="charge", status="succeeded")
    assert list(charges.values_list("token", "amount")) == [(state.payer.token, Decimal("12.50"))]
    assert gateway.approval_get(token="\x00") is None and gateway.approval_get(token="nope") is None


@LEDGER
def test_an_approval_expires_after_three_hours_and_a_cancelled_one_stays_cancelled():
    gateway = SandboxGateway()
    urls = {"return_url": "/r/", "cancel_url": "/c/"}
    late = gateway.approval_create(kind="paypal", amount=Decimal(1), currency="EUR", reference="o-1", **urls)
    with time_machine.travel(timezone.now() + timedelta(hours=3, seconds=1)):
        assert gateway.approval_get(token=late.token).status == "expired"
        with pytest.raises(GatewayError):
            gateway.approval_decide(token=late.token, approve=True, payer_email="payer@example.com")
    cancelled = gateway.approval_create(kind="paypal", amount=Decimal(1), currency="EUR", reference="o-2", **urls)
    assert gateway.approval_decide(token=cancelled.token, approve=False) == f"/c/?token={cancelled.token}"
    with pytest.raises(GatewayError):
        gateway.approval_decide(token=cancelled.token, approve=True, payer_email="payer@example.com")
    assert gateway.approval_get(token=cancelled.token).status == "cancelled"
    with pytest.raises(GatewayError):
        gateway.approval_create(kind="card", amount=Decimal(1), currency="EUR", reference="o-3", **urls)
