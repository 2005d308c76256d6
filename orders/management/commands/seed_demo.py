"""`python manage.py seed_demo`: the demo catalog, logins and orders (DEBUG only; password `demo`).

Everything goes through the real services, as a customer, staff and the workers would: carts are
checked out, orders are paid with saved sandbox cards through the sandbox gateway (outside any
transaction), and every status is reached through `orders.lifecycle`. Nothing writes a status here.

Idempotent: the same data after any number of runs. Demo orders carry the marker `demo:<slug>` as their
cart's description, and a slug whose order exists is not placed again. What must stay time-relative (an
unpaid order still payable, alice's order still within its withdrawal period, her open renewal) stays so
because a later run re-dates the demo orders: every date of them and of what hangs off them moves forward by
the whole days since they were placed, so they read as placed today and keep their meaning together. Only
an order that no longer shows what it is there for after that (someone paid the unpaid one, or beat expired
it while `bin/run` ran for a week) is placed again.

alice's `delivering` order is, as in production, delivered by the Celery worker once
SANDBOX_DELIVERY_SECONDS have passed (its delivery is enqueued on commit like any other), and her
`cancelling` order is cancelled once the worker has paid its refund: those two statuses are only
visible until then. Every other status is stable.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone

from accounts.groups import FINANCE, VALIDATORS, ensure_staff_groups
from accounts.models import LegalForm, PaymentMethod, Subsidiary, User
from catalog.models import Addon, Family, Plan, Pricing
from core.errors import Conflict
from core.localtime import local_today
from core.money import quantize
from core.page_versions import account_pages_changed, reference_pages_changed
from orders.lifecycle import expirable_orders
from orders.models import (
    Cart,
    CartItem,
    Consent,
    CreditNote,
    Invoice,
    Order,
    OrderEvent,
    OrderKind,
    OrderLine,
    OrderStatus,
    Payment,
    Refund,
    Service,
    SupportingDocument,
    Withdrawal,
)
from orders.page_versions import order_pages_changed
from orders.services.carts import cart_add_item, cart_assign, cart_create
from orders.services.checkout import cart_checkout
from orders.services.consents import Evidence
from orders.services.delivery import order_deliver, order_delivery_give_up
from orders.services.expiry import orders_expire
from orders.services.payments import order_pay
from orders.services.refunds import refund_execute
from orders.services.renewals import service_renew
from orders.services.validation import order_refuse_and_refund, order_request_documents, order_validate
from orders.services.withdrawals import WithdrawalRequest, order_withdraw
from orders.withdrawal import withdrawal_eligibility
from payments.kinds import PaymentKind
from payments.sandbox import SandboxGateway

PASSWORD = "demo"
MARKER = "demo:"

# --- catalog ---------------------------------------------------------------------------------------

# Local prices from the EUR price: rough exchange rates, then the currency's own precision.
EXCHANGE_RATES = {"EUR": Decimal("1"), "GBP": Decimal("0.86"), "PLN": Decimal("4.3"), "CAD": Decimal("1.5"),
                  "USD": Decimal("1.1"), "TND": Decimal("3.4"), "XOF": Decimal("656")}


@dataclass(frozen=True)
class DemoPricing:
    duration: str
    months: int
    price_eur: str
    installation_eur: str = "0"
    pricing_mode: str = "default"
    commitment: int = 0


@dataclass(frozen=True)
class DemoPlan:
    family: str
    plan_code: str
    name_en: str
    name_fr: str
    pricings: tuple[DemoPricing, ...]
    excludable: bool = False
    always_validate: bool = False
    option_of: tuple[tuple[str, str], ...] = ()  # (plan code, addon family): an option of those plans only


CATALOG = (
    DemoPlan(Family.CLOUD, "b3-8", "Public Cloud instance b3-8 (2 vCores, 8 GB RAM)",
             "Instance Public Cloud b3-8 (2 vCores, 8 Go de RAM)", (DemoPricing("P1M", 1, "58.00"),)),
    DemoPlan(Family.PRIVATE_CLOUD, "pcc-host-192", "Hosted Private Cloud host (192 GB RAM)",
             "Hôte Hosted Private Cloud (192 Go de RAM)", (DemoPricing("P1M", 1, "799.00", "399.00"),),
             always_validate=True),
    DemoPlan(Family.DEDICATED, "24adv01", "Advance-1 dedicated server", "Serveur dédié Advance-1",
             (DemoPricing("P1M", 1, "79.99", "79.99"),
              DemoPricing("P12M", 12, "863.89", pricing_mode="upfront12", commitment=12))),
    DemoPlan(Family.WEB_HOSTING, "perso2026", "Personal web hosting", "Hébergement web Perso",
             (DemoPricing("P12M", 12, "47.88"), DemoPricing("P1M", 1, "4.99"))),
    DemoPlan(Family.WEB_HOSTING, "pro2026", "Professional web hosting", "Hébergement web Pro",
             (DemoPricing("P12M", 12, "95.88"), DemoPricing("P1M", 1, "9.99"))),
    DemoPlan(Family.DOMAIN, "fr", "Domain name .fr (registration)", "Nom de domaine .fr (création)",
             (DemoPricing("P12M", 12, "6.99"),), excludable=True),
    DemoPlan(Family.DOMAIN, "com", "Domain name .com (registration)", "Nom de domaine .com (création)",
             (DemoPricing("P12M", 12, "10.99"),), excludable=True),
    DemoPlan(Family.SSL, "ssl-sectigo-dv", "Sectigo DV SSL certificate", "Certificat SSL Sectigo DV",
             (DemoPricing("P12M", 12, "49.00"),), excludable=True),
    # Options (catalog addons), ordered only with their plan: /order/cart/{cartId}/{product}/options.
    DemoPlan(Family.DEDICATED, "backup-storage-500", "Backup storage 500 GB", "Stockage de sauvegarde 500 Go",
             (DemoPricing("P1M", 1, "9.99"), DemoPricing("P12M", 12, "107.89", pricing_mode="upfront12")),
             option_of=(("24adv01", "storage"),)),
    DemoPlan(Family.DEDICATED, "ip-failover-1", "Additional IP address", "Adresse IP additionnelle",
             (DemoPricing("P1M", 1, "2.00", "2.00"), DemoPricing("P12M", 12, "24.00", pricing_mode="upfront12")),
             option_of=(("24adv01", "ip"),)),
    DemoPlan(Family.WEB_HOSTING, "hosting-backup-plus", "Extended web hosting backups",
             "Sauvegardes étendues de l'hébergement web",
             (DemoPricing("P12M", 12, "12.00"), DemoPricing("P1M", 1, "1.00")),
             option_of=(("perso2026", "backup"), ("pro2026", "backup"))),
)


def local_price(price_eur: str, currency: str) -> Decimal:
    return quantize(Decimal(price_eur) * EXCHANGE_RATES[currency], currency)


# --- people ----------------------------------------------------------------------------------------

CUSTOMERS = {
    "alice": {"first_name": "Alice", "last_name": "Martin", "legal_form": LegalForm.INDIVIDUAL,
              "subsidiary_id": "FR", "language": "en", "address": "12 rue de Rivoli", "city": "Paris",
              "postcode": "75004", "country": "FR", "phone": "+33 1 23 45 67 89"},
    "bob": {"first_name": "Bob", "last_name": "Baker", "legal_form": LegalForm.CORPORATION, "subsidiary_id": "GB",
            "language": "en", "organisation": "Bob's Bakery Ltd", "address": "221 Baker Street", "city": "London",
            "postcode": "NW1 6XE", "country": "GB", "vat_number": "GB123456789", "phone": "+44 20 7946 0000"},
    "chloe": {"first_name": "Chloé", "last_name": "Ben Salah", "legal_form": LegalForm.INDIVIDUAL,
              "subsidiary_id": "TN", "language": "fr", "address": "15 avenue Habib Bourguiba", "city": "Tunis",
              "postcode": "1000", "country": "TN", "phone": "+216 71 000 000"},
    "moussa": {"first_name": "Moussa", "last_name": "Diop", "legal_form": LegalForm.INDIVIDUAL,
               "subsidiary_id": "SN", "language": "fr", "address": "Avenue Léopold Sédar Senghor",
               "city": "Dakar", "postcode": "10200", "country": "SN", "phone": "+221 33 800 00 00"},
}
STAFF = {
    "vera": ({"first_name": "Vera", "last_name": "Valdez"}, VALIDATORS),
    "finn": ({"first_name": "Finn", "last_name": "Fischer"}, FINANCE),
}
# Saved means of payment besides everyone's default card.
EXTRA_METHODS = {
    "alice": [(PaymentKind.SEPA, {"iban": "FR7630006000011234567890189"})],
    "bob": [(PaymentKind.BANK_TRANSFER, {})],
}

# --- orders ----------------------------------------------------------------------------------------

# How far each demo order is taken: through payment, then the services staff and workers use.
UNPAID, EXPIRED, TRANSFER_PENDING = "unpaid", "expired", "transfer_pending"
CHECKING, DOCUMENTS, DELIVERING, DELIVERED, FAILED = "checking", "documents", "delivering", "delivered", "failed"
REFUSED, WITHDRAWING, WITHDRAWN, WITHDRAWABLE = "refused", "withdrawing", "withdrawn", "withdrawable"
# Re-placed when they have gone stale, so that there always is one that is still current.
TIME_RELATIVE = {UNPAID, TRANSFER_PENDING, WITHDRAWABLE}


@dataclass(frozen=True)
class DemoOrder:
    slug: str
    customer: str
    target: str
    items: tuple[tuple[str, str, str], ...]  # (planCode, duration, pricingMode)
    express_request: bool = False


# In this order: alice's first paid order is the one the "first order" risk rule sends to validation.
ORDERS = (
    DemoOrder("alice-delivered", "alice", DELIVERED, (("perso2026", "P12M", "default"),)),
    DemoOrder("alice-delivering", "alice", DELIVERING, (("pro2026", "P1M", "default"),)),
    DemoOrder("alice-checking", "alice", CHECKING, (("pcc-host-192", "P1M", "default"),)),
    DemoOrder("alice-documents", "alice", DOCUMENTS, (("24adv01", "P12M", "upfront12"),)),
    DemoOrder("alice-error", "alice", FAILED, (("pcc-host-192", "P1M", "default"),)),
    DemoOrder("alice-refused", "alice", REFUSED, (("24adv01", "P12M", "upfront12"),)),
    DemoOrder("alice-withdrawing", "alice", WITHDRAWING, (("pro2026", "P12M", "default"),), express_request=True),
    DemoOrder("alice-withdrawn", "alice", WITHDRAWN, (("com", "P12M", "default"), ("perso2026", "P1M", "default"))),
    DemoOrder("alice-domain", "alice", DELIVERED, (("fr", "P12M", "default"), ("ssl-sectigo-dv", "P12M", "default")),
              express_request=True),
    DemoOrder("alice-expired", "alice", EXPIRED, (("24adv01", "P1M", "default"),)),
    DemoOrder("alice-unpaid", "alice", UNPAID, (("fr", "P12M", "default"), ("perso2026", "P12M", "default"))),
    DemoOrder("alice-withdrawable", "alice", WITHDRAWABLE, (("b3-8", "P1M", "default"),), express_request=True),
    DemoOrder("bob-paid", "bob", DELIVERED, (("24adv01", "P1M", "default"),)),
    DemoOrder("bob-transfer", "bob", TRANSFER_PENDING, (("pro2026", "P12M", "default"),)),
    DemoOrder("chloe-paid", "chloe", DELIVERED, (("perso2026", "P12M", "default"),)),
    DemoOrder("chloe-unpaid", "chloe", UNPAID, (("com", "P12M", "default"),)),
    DemoOrder("moussa-paid", "moussa", DELIVERED, (("b3-8", "P1M", "default"),)),
    DemoOrder("moussa-unpaid", "moussa", UNPAID, (("perso2026", "P12M", "default"),)),
)
RENEWED_SLUG = "alice-delivered"  # alice's renewal order renews this order's service
ANCHOR_SLUG = "alice-withdrawable"  # placed "now" by the run that placed it: how far the demo orders lag
# What a later run re-dates: the demo carts (by their marker), and the demo customers' orders and all that hangs
# off them (by the path to the customer's username).
REDATED = (
    (Cart, "description__startswith"),
    (CartItem, "cart__description__startswith"),
    (Order, "account__username__in"),
    (OrderLine, "order__account__username__in"),
    (OrderEvent, "order__account__username__in"),
    (Consent, "order__account__username__in"),
    (Payment, "order__account__username__in"),
    (Invoice, "order__account__username__in"),
    (SupportingDocument, "order__account__username__in"),
    (Withdrawal, "order__account__username__in"),
    (Refund, "order__account__username__in"),
    (CreditNote, "refund__order__account__username__in"),
    (Service, "account__username__in"),
)


def demo_orders(account: User, slug: str):
    return Order.objects.filter(account=account, cart__description=f"{MARKER}{slug}").order_by("-created_at", "-pk")


class Command(BaseCommand):
    help = "Create the demo catalog, logins (password 'demo') and orders in every status. DEBUG only; idempotent."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates demo logins whose password is 'demo': it only runs with DEBUG on (DEBUG=1)."
            )
        if transaction.get_connection().in_atomic_block:
            raise CommandError("seed_demo pays through the payment gateway: run it outside any transaction.")
        self.notes: list[str] = []
        self.password_hash: str | None = None
        subsidiaries = list(Subsidiary.objects.all())
        if not subsidiaries:
            raise CommandError("No subsidiaries: run `manage.py migrate` first.")
        self.seed_catalog(subsidiaries)
        groups = ensure_staff_groups()
        self.users = self.seed_users(groups)
        self.methods = {name: self.seed_payment_methods(self.users[name]) for name in CUSTOMERS}
        self.redate()
        stable = [spec for spec in ORDERS if spec.target not in TIME_RELATIVE]
        for spec in stable:
            self.seed_order(spec)
        # The expiry sweep, as beat runs it: marks the expired demo order (and any other one past expiry).
        orders_expire(now=timezone.now())
        for spec in ORDERS:
            if spec.target in TIME_RELATIVE:
                self.seed_order(spec)
        self.seed_renewal()
        self.print_summary(subsidiaries)

    # --- catalog -----------------------------------------------------------------------------------

    @transaction.atomic
    def seed_catalog(self, subsidiaries: list[Subsidiary]) -> None:
        plans = {}
        for spec in CATALOG:
            plan, _ = Plan.objects.update_or_create(plan_code=spec.plan_code, defaults={
                "family": spec.family, "name_en": spec.name_en, "name_fr": spec.name_fr,
                "excludable": spec.excludable, "always_validate": spec.always_validate, "renews": True,
                "active": True,
            })
            plans[spec.plan_code] = plan
            for sub in subsidiaries:
                for offer in spec.pricings:
                    Pricing.objects.update_or_create(
                        plan=plan, subsidiary=sub, duration=offer.duration, pricing_mode=offer.pricing_mode,
                        defaults={"months": offer.months, "price": local_price(offer.price_eur, sub.currency),
                                  "installation_fee": local_price(offer.installation_eur, sub.currency),
                                  "commitment": offer.commitment},
                    )
        for spec in CATALOG:  # an exclusive family (ip) allows one option of it per item
            for parent_code, family in spec.option_of:
                Addon.objects.update_or_create(plan=plans[parent_code], option=plans[spec.plan_code],
                                               defaults={"family": family, "exclusive": family == "ip"})
        reference_pages_changed()

    # --- people ------------------------------------------------------------------------------------

    def _user(self, username: str, fields: dict) -> User:
        """Created once with the password `demo`; an existing login is left as it is."""
        user = User.objects.filter(username=username).first()
        if user is None:
            if self.password_hash is None:  # hashed once: the same demo password for every login
                self.password_hash = make_password(PASSWORD)
            user = User(username=username, email=f"{username}@example.com", email_confirmed=True,
                        password=self.password_hash, **fields)
            user.save()
        return user

    def seed_users(self, groups: dict[str, Group]) -> dict[str, User]:
        users = {name: self._user(name, fields) for name, fields in CUSTOMERS.items()}
        for name, (fields, group) in STAFF.items():
            users[name] = self._user(name, {**fields, "is_staff": True})
            users[name].groups.add(groups[group])
        users["admin"] = self._user("admin", {"first_name": "Ada", "last_name": "Admin", "is_staff": True,
                                              "is_superuser": True})
        return users

    def seed_payment_methods(self, account: User) -> dict[str, PaymentMethod]:
        """A default sandbox card for everyone, plus the extra means of EXTRA_METHODS."""
        wanted = [(PaymentKind.CARD, {"number": "4242424242424242", "exp_month": 12,
                                      "exp_year": timezone.now().year + 3})]
        wanted += EXTRA_METHODS.get(account.username, [])
        methods = {}
        for kind, details in wanted:
            method = account.payment_methods.filter(kind=kind, status=PaymentMethod.Status.VALID).first()
            if method is None:
                registration = SandboxGateway().register(kind=kind, details=details)
                has_default = account.payment_methods.filter(is_default=True).exists()
                with transaction.atomic():
                    method = PaymentMethod.objects.create(
                        account=account, kind=kind, label=registration.label, token=registration.token,
                        expires_on=registration.expires_on, is_default=kind == PaymentKind.CARD and not has_default,
                    )
                    account_pages_changed(account_ids=[account.pk])
            methods[kind] = method
        return methods

    # --- orders ------------------------------------------------------------------------------------

    def redate(self) -> None:
        """Move every date of the demo orders forward by the whole days since they were placed (see the docstring)."""
        carts = Cart.objects.filter(description=f"{MARKER}{ANCHOR_SLUG}").order_by("-created_at")
        anchor = carts.values_list("created_at", flat=True).first()
        days = (timezone.now() - anchor).days if anchor else 0
        if days < 1:
            return
        shift = timedelta(days=days)
        with transaction.atomic():
            for model, lookup in REDATED:
                rows = model.objects.filter(**{lookup: list(CUSTOMERS) if lookup.endswith("__in") else MARKER})
                fields = [f.name for f in model._meta.concrete_fields
                          if isinstance(f, models.DateField) and not getattr(f, "auto_now", False)]
                for row in rows:
                    moved = {name: getattr(row, name) + shift for name in fields if getattr(row, name) is not None}
                    model.objects.filter(pk=row.pk).update(**moved)
            # Every demo order's pages show its dates (services: on their origin order's, of the same customers).
            order_pages_changed(order_ids=Order.objects.filter(account__username__in=list(CUSTOMERS)).values_list(
                "pk", flat=True))
        self.notes.append(f"The demo orders were re-dated by {days} day(s): they read as placed today.")

    def is_current(self, spec: DemoOrder, order: Order) -> bool:
        """Whether an existing demo order still shows what it is there for."""
        now = timezone.now()
        if spec.target in {UNPAID, TRANSFER_PENDING}:
            return order.status == OrderStatus.NOT_PAID and not expirable_orders(now).filter(
                pk=order.pk).exists()
        if spec.target == WITHDRAWABLE:
            return withdrawal_eligibility(order, now=now).eligible
        return True

    def seed_order(self, spec: DemoOrder) -> Order:
        account = self.users[spec.customer]
        order = demo_orders(account, spec.slug).select_related("subsidiary").first()
        if order is not None and self.is_current(spec, order):
            return order
        now = timezone.now()
        if spec.target == EXPIRED:  # placed long enough ago for its purchase order to have expired
            now -= timedelta(days=settings.ORDER_VALIDITY_DAYS + 1)
        order = self.place(account, spec, now=now)
        if spec.target not in {UNPAID, EXPIRED}:
            self.drive(order, spec)
        order.refresh_from_db()
        return order

    def place(self, account: User, spec: DemoOrder, *, now) -> Order:
        """Cart → items → assign → checkout, as the customer does in the panel."""
        cart = cart_create(subsidiary_code=account.subsidiary_id, description=f"{MARKER}{spec.slug}", now=now)
        for plan_code, duration, mode in spec.items:
            cart_add_item(cart=cart, plan_code=plan_code, duration=duration, pricing_mode=mode, now=now)
        cart_assign(cart=cart, account=account, now=now)
        evidence = Evidence(channel=OrderEvent.Channel.PANEL, ip="127.0.0.1", actor=account)
        return cart_checkout(cart=cart, account=account, evidence=evidence, express_request=spec.express_request,
                             now=now)

    def drive(self, order: Order, spec: DemoOrder) -> None:
        """Pay, then take the order where the spec says, through the services, as staff and workers do."""
        account = self.users[spec.customer]
        vera = self.users["vera"]
        kind = PaymentKind.BANK_TRANSFER if spec.target == TRANSFER_PENDING else PaymentKind.CARD
        payment = order_pay(order_id=order.pk, account=account, method=self.methods[spec.customer][kind])
        if spec.target == TRANSFER_PENDING:
            return  # finance marks it received in the back office
        if payment.status != Payment.Status.SUCCEEDED:
            raise CommandError(f"Demo order {spec.slug}: the sandbox payment did not succeed ({payment.status}).")
        order.refresh_from_db()
        if spec.target in {CHECKING, DOCUMENTS, REFUSED, FAILED}:
            self._expect(order, spec, OrderStatus.CHECKING)
        if spec.target == DOCUMENTS:
            order_request_documents(order_id=order.pk, staff=vera,
                                    today=local_today(order.subsidiary.time_zone))
        elif spec.target == REFUSED:
            order_refuse_and_refund(order_id=order.pk, staff=vera,
                                    note="Demo: the supporting documents did not match the billing details.")
            self.pay_refunds(order)
        elif spec.target == FAILED:
            # One transaction: the delivery enqueued by the validation finds the order failed, not in delivery.
            with transaction.atomic():
                order_validate(order_id=order.pk, staff=vera)
                order_delivery_give_up(order_id=order.pk,
                                       error="Demo: the sandbox could not install the host.")
        elif spec.target in {DELIVERING, DELIVERED, WITHDRAWABLE, WITHDRAWING, WITHDRAWN}:
            if order.status == OrderStatus.CHECKING:
                order_validate(order_id=order.pk, staff=vera)
            if spec.target == DELIVERING:
                self.notes.append(
                    f"alice's order {order.pk} is in delivery: the worker delivers it about "
                    f"{settings.SANDBOX_DELIVERY_SECONDS} s after this command, like any other order."
                )
                return
            order_deliver(order_id=order.pk)  # what the worker does; a no-op if it got there first
            if spec.target in {WITHDRAWING, WITHDRAWN}:
                order_withdraw(order_id=order.pk, request=WithdrawalRequest(confirmed=True, reason="unused"),
                               evidence=Evidence(channel=Withdrawal.Channel.PANEL, actor=account),
                               channel=Withdrawal.Channel.PANEL)
            if spec.target == WITHDRAWING:
                self.notes.append(
                    f"alice's order {order.pk} is cancelling: the worker pays its refund shortly after this "
                    "command, and the order is then cancelled."
                )
            if spec.target == WITHDRAWN:
                self.pay_refunds(order)

    def pay_refunds(self, order: Order) -> None:
        """What the worker does with the refunds enqueued on commit; a no-op for one it already paid."""
        for refund_id in order.refunds.values_list("pk", flat=True):
            refund_execute(refund_id=refund_id)

    def _expect(self, order: Order, spec: DemoOrder, status: str) -> None:
        if order.status != status:
            raise CommandError(f"Demo order {spec.slug} is {order.status}, expected {status}.")

    def seed_renewal(self) -> Order | None:
        alice = self.users["alice"]
        origin = demo_orders(alice, RENEWED_SLUG).first()
        service = Service.objects.filter(origin_line__order=origin, status=Service.Status.ACTIVE).first()
        if service is None:
            self.notes.append("alice has no active service to renew: no renewal order.")
            return None
        try:
            return service_renew(service=service, now=timezone.now())
        except Conflict as error:
            self.notes.append(f"No new renewal order for {service.name}: {error}")
            return None

    # --- summary -----------------------------------------------------------------------------------

    def print_summary(self, subsidiaries: list[Subsidiary]) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo data ready. Every login's password is “{PASSWORD}”."))
        out.write(f"  Catalog: {Plan.objects.filter(plan_code__in=[p.plan_code for p in CATALOG]).count()} plans, "
                  f"{Pricing.objects.filter(plan__plan_code__in=[p.plan_code for p in CATALOG]).count()} pricings "
                  f"in {len(subsidiaries)} subsidiaries.")
        for name in CUSTOMERS:
            user = self.users[name]
            orders = Order.objects.filter(account=user)
            counts = Counter(
                f"{status}/{reason}" if reason else status for status, reason in orders.values_list("status",
                                                                                                   "cancel_reason")
            )
            renewals = orders.filter(kind=OrderKind.RENEWAL).count()
            detail = ", ".join(f"{key} {n}" for key, n in sorted(counts.items()))
            out.write(f"  {name} ({user.get_legal_form_display()}, {user.subsidiary_id}, "
                      f"{user.subsidiary.currency}): {orders.count()} orders ({detail}); {renewals} renewal(s); "
                      f"{user.payment_methods.count()} payment method(s).")
        withdrawable = demo_orders(self.users["alice"], "alice-withdrawable").select_related("subsidiary").first()
        if withdrawable is not None:
            eligibility = withdrawal_eligibility(withdrawable, now=timezone.now())
            out.write(f"  alice's withdrawable order: {withdrawable.pk} (until {eligibility.deadline}).")
        for name, (_fields, group) in STAFF.items():
            out.write(f"  {name}: staff, group “{group}”.")
        out.write("  admin: superuser.")
        for note in self.notes:
            out.write(f"  Note: {note}")
