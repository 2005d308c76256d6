"""`manage.py seed_demo`: the demo catalog, logins and orders, through the real services; idempotent.

The seed pays through the sandbox gateway, which refuses to run inside a transaction: these tests
are transactional and use both databases.
"""
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.groups import STAFF_GROUPS, ensure_staff_groups
from accounts.models import LegalForm, PaymentMethod, Subsidiary, User
from catalog.models import Family, Plan, Pricing
from core.money import precision, quantize
from orders.models import (
    CancelReason,
    Cart,
    Consent,
    Order,
    OrderEvent,
    OrderKind,
    OrderLine,
    OrderStatus,
    Payment,
    Service,
)
from orders.task_names import DELIVER_ORDER
from orders.withdrawal import withdrawal_eligibility
from payments.kinds import PaymentKind
from payments.models import SandboxInstrument, SandboxTransaction
from tests.support.page_versions import order_versions

SEED_DB = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
SUBSIDIARIES = {"FR", "DE", "ES", "IT", "IE", "NL", "PT", "PL", "GB", "CA", "US", "TN", "SN"}
RATES = {"EUR": "1", "GBP": "0.86", "PLN": "4.3", "CAD": "1.5", "USD": "1.1", "TND": "3.4", "XOF": "656"}


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.fixture
def no_worker(published):
    """As in the quick start before the worker has run: deliveries, refunds and emails are published, nobody
    runs them yet."""
    return published


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    models = [User, Group, Plan, Pricing, PaymentMethod, Cart, Order, OrderLine, OrderEvent, Consent, Payment,
              Service]
    counts = {model.__name__: model.objects.count() for model in models}
    counts |= {model.__name__: model.objects.count() for model in (SandboxInstrument, SandboxTransaction)}
    counts["statuses"] = sorted(Order.objects.values_list("pk", "status", "cancel_reason"))
    counts["permissions"] = sorted(Group.objects.values_list("name", "permissions__codename"))
    return counts


def alice_orders():
    return Order.objects.filter(account__username="alice").select_related("subsidiary")


@SEED_DB
def test_seed_creates_everything_and_a_second_run_changes_nothing(debug, no_worker):
    output = seed()
    first = snapshot()
    assert "Demo data ready" in output and "alice" in output

    # Logins, all with the password "demo".
    users = {u.username: u for u in User.objects.all()}
    assert {"alice", "bob", "chloe", "moussa", "vera", "finn", "admin"} <= set(users)
    assert all(users[name].check_password("demo") for name in ("alice", "bob", "chloe", "moussa", "vera", "finn",
                                                                "admin"))
    alice, bob, chloe, moussa = (users[n] for n in ("alice", "bob", "chloe", "moussa"))
    assert (alice.get_full_name(), alice.legal_form, alice.subsidiary_id, alice.country, alice.language) == (
        "Alice Martin", LegalForm.INDIVIDUAL, "FR", "FR", "en")
    assert (bob.legal_form, bob.subsidiary_id, bob.organisation, bob.vat_number) == (
        LegalForm.CORPORATION, "GB", "Bob's Bakery Ltd", "GB123456789")
    assert (chloe.legal_form, chloe.subsidiary_id, moussa.legal_form, moussa.subsidiary_id) == (
        LegalForm.INDIVIDUAL, "TN", LegalForm.INDIVIDUAL, "SN")
    assert not any(users[n].is_staff for n in ("alice", "bob", "chloe", "moussa"))
    vera, finn, admin = users["vera"], users["finn"], users["admin"]
    assert vera.is_staff and not vera.is_superuser and [g.name for g in vera.groups.all()] == ["validators"]
    assert finn.is_staff and not finn.is_superuser and [g.name for g in finn.groups.all()] == ["finance"]
    assert vera.has_perm("orders.change_order") and not vera.has_perm("orders.change_payment")
    assert finn.has_perm("orders.change_payment") and not finn.has_perm("orders.change_order")
    assert admin.is_staff and admin.is_superuser

    # Staff groups with only their permissions.
    for name, perms in STAFF_GROUPS.items():
        group = Group.objects.get(name=name)
        assert {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()} == set(perms)

    # Saved means of payment, registered with the sandbox: one default card each.
    for user in (alice, bob, chloe, moussa):
        default = user.payment_methods.get(is_default=True)
        assert default.kind == PaymentKind.CARD and default.label == "Visa •••• 4242"
        assert default.expires_on.year == timezone.now().year + 3
        assert SandboxInstrument.objects.filter(token=default.token).exists()
    assert set(alice.payment_methods.values_list("kind", flat=True)) == {PaymentKind.CARD, PaymentKind.SEPA}
    assert set(bob.payment_methods.values_list("kind", flat=True)) == {PaymentKind.CARD, PaymentKind.BANK_TRANSFER}

    # The catalog, priced in every subsidiary in its own currency and precision.
    assert set(Subsidiary.objects.values_list("code", flat=True)) == SUBSIDIARIES
    assert {f.value for f in Family} <= set(Plan.objects.values_list("family", flat=True))
    for code in ("b3-8", "pcc-host-192", "24adv01", "perso2026", "pro2026", "fr", "com", "ssl-sectigo-dv"):
        plan = Plan.objects.get(plan_code=code)
        assert plan.name_en and plan.name_fr and plan.name_en != plan.name_fr
        assert set(plan.pricings.values_list("subsidiary", flat=True)) == SUBSIDIARIES
    assert Plan.objects.get(plan_code="pcc-host-192").always_validate
    assert {p.plan_code for p in Plan.objects.filter(excludable=True)} == {"fr", "com", "ssl-sectigo-dv"}
    assert set(Pricing.objects.filter(plan__plan_code="24adv01", subsidiary="FR").values_list(
        "duration", "months", "pricing_mode")) == {("P1M", 1, "default"), ("P12M", 12, "upfront12")}
    assert Pricing.objects.get(plan__plan_code="24adv01", subsidiary="FR", duration="P1M").installation_fee > 0
    assert not Pricing.objects.filter(plan__family__in=[Family.DOMAIN, Family.SSL], installation_fee__gt=0).exists()
    assert set(Pricing.objects.filter(plan__family=Family.DOMAIN).values_list("duration", "months")) == {("P12M", 12)}
    assert set(Pricing.objects.filter(plan__plan_code="perso2026", subsidiary="FR").values_list("duration",
                                                                                              flat=True)) == {
        "P1M", "P12M"}
    for pricing in Pricing.objects.select_related("subsidiary", "plan"):
        currency = pricing.subsidiary.currency
        assert pricing.price > 0
        for amount in (pricing.price, pricing.installation_fee):
            assert amount == quantize(amount, currency)
        euro = Pricing.objects.get(plan=pricing.plan, subsidiary="FR", duration=pricing.duration,
                                   pricing_mode=pricing.pricing_mode)
        assert pricing.price == quantize(euro.price * Decimal(RATES[currency]), currency)
    assert Pricing.objects.get(plan__plan_code="b3-8", subsidiary="SN").price == Decimal("38048")
    assert Pricing.objects.get(plan__plan_code="perso2026", subsidiary="TN", duration="P12M").price == Decimal(
        "162.792")
    assert precision("TND") == 3 and precision("XOF") == 0

    # alice: an order in every status, reached through the real services.
    orders = list(alice_orders())
    assert {o.status for o in orders} == set(OrderStatus.values)
    cancelled = {o.cancel_reason for o in orders if o.status == OrderStatus.CANCELLED}
    assert cancelled == {CancelReason.EXPIRED, CancelReason.REFUSED, CancelReason.WITHDRAWN}
    assert any(o.status == OrderStatus.CANCELLING and o.cancel_reason == CancelReason.WITHDRAWN for o in orders)
    assert any(o.status == OrderStatus.NOT_PAID and o.expires_at > timezone.now() for o in orders)
    now = timezone.now()
    withdrawable = [o for o in orders if withdrawal_eligibility(o, now=now).eligible]
    assert any(o.status == OrderStatus.DELIVERED for o in withdrawable)
    renewal = alice_orders().get(kind=OrderKind.RENEWAL)
    assert renewal.status == OrderStatus.NOT_PAID and renewal.lines.get().renewed_service.account == alice
    for order in orders:  # every paid order went through the sandbox gateway
        if order.paid_at:
            payment = order.payments.get(status=Payment.Status.SUCCEEDED)
            assert SandboxTransaction.objects.filter(idempotency_key=payment.idempotency_key,
                                                     status="succeeded").exists()
    refused = alice_orders().get(cancel_reason=CancelReason.REFUSED)
    assert refused.events.filter(label="FRAUD_REFUSED", actor=vera).exists()
    assert alice_orders().filter(status=OrderStatus.DOCUMENTS_REQUESTED, documents_due_on__isnull=False).exists()
    assert DELIVER_ORDER in {name for name, _args in no_worker}  # published on commit, as in production

    # bob, chloe and moussa: one paid and one unpaid order each, in their currency.
    for user, currency in ((bob, "GBP"), (chloe, "TND"), (moussa, "XOF")):
        theirs = Order.objects.filter(account=user, kind=OrderKind.NEW)
        assert {o.currency for o in theirs} == {currency}
        assert theirs.filter(paid_at__isnull=False).count() == 1
        assert theirs.filter(status=OrderStatus.NOT_PAID).count() == 1
    assert Payment.objects.filter(order__account=bob, kind=PaymentKind.BANK_TRANSFER,
                                  status=Payment.Status.PENDING).count() == 1
    assert Order.objects.get(account=moussa, status=OrderStatus.DELIVERED).total_gross == quantize(
        Decimal("38048") * Decimal("1.18"), "XOF")

    # Idempotent: a second run creates nothing and moves nothing.
    seed()
    assert snapshot() == first


@SEED_DB
def test_a_later_run_re_dates_the_demo_orders_and_creates_nothing(debug, no_worker):
    seed()
    first = snapshot()
    placed = {o.pk: o.created_at for o in Order.objects.all()}
    versions = {o.pk: order_versions(o) for o in Order.objects.all()}

    with time_machine.travel(timezone.now() + timedelta(days=20), tick=True):
        now = timezone.now()
        assert not any(withdrawal_eligibility(o, now=now).eligible for o in alice_orders())
        seed()
        now = timezone.now()
        assert snapshot() == first  # the same rows, in the same statuses: nothing placed twice
        for order in Order.objects.all():
            assert order.created_at == placed[order.pk] + timedelta(days=20)
            # Its pages show the new dates: their versions moved on.
            assert all(after > before for after, before in zip(order_versions(order), versions[order.pk], strict=True))
        # What must stay time-relative is current again: a payable order each, a withdrawable one, an open renewal.
        assert any(withdrawal_eligibility(o, now=now).eligible for o in alice_orders())
        for user in User.objects.filter(username__in=["alice", "bob", "chloe", "moussa"]):
            assert Order.objects.filter(account=user, status=OrderStatus.NOT_PAID, kind=OrderKind.NEW,
                                        expires_at__gt=now).count() == 1
        assert alice_orders().get(kind=OrderKind.RENEWAL).expires_at > now
        assert alice_orders().get(cancel_reason=CancelReason.EXPIRED).expires_at < now

        seed()
        assert snapshot() == first


@SEED_DB
def test_seed_works_when_the_worker_delivers_at_once(debug):
    """Tasks run eagerly here (on commit), like a worker that is faster than the command."""
    seed()
    statuses = set(alice_orders().values_list("status", flat=True))
    # Delivered and refunded already: those two statuses last only until the worker has run.
    assert set(OrderStatus.values) - statuses == {OrderStatus.DELIVERING, OrderStatus.CANCELLING}
    assert alice_orders().filter(status=OrderStatus.UNKNOWN).count() == 1
    assert alice_orders().filter(kind=OrderKind.RENEWAL, status=OrderStatus.NOT_PAID).count() == 1
    first = snapshot()
    seed()  # `bin/run` again, after the worker has done its part
    assert snapshot() == first


@SEED_DB
def test_seed_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists() and not Plan.objects.exists()


@pytest.mark.django_db
def test_staff_groups_are_exactly_what_the_code_says():
    """They exist after `migrate` (post_migrate receiver); running again restores their permissions."""
    validators = Group.objects.get(name="validators")
    validators.permissions.add(Permission.objects.get(codename="delete_order"))
    Group.objects.filter(name="finance").delete()
    groups = ensure_staff_groups()
    assert set(groups) == {"validators", "finance"}
    for name, perms in STAFF_GROUPS.items():
        group = Group.objects.get(name=name)
        assert {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()} == set(perms)
    assert ensure_staff_groups()["validators"].pk == validators.pk
    assert ensure_staff_groups(using="sandbox") == {}  # no auth tables in the gateway's ledger
