"""factory_boy factories for the models; subsidiaries come from the data migration."""

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import LegalForm, PaymentMethod, Subsidiary, User
from catalog.models import Family, Plan, Pricing
from payments.gateway import Registration
from payments.kinds import PaymentKind
from payments.sandbox import SandboxGateway


def subsidiary(code: str = "FR") -> Subsidiary:
    return Subsidiary.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"customer{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Alice"
    last_name = "Martin"
    legal_form = LegalForm.INDIVIDUAL
    subsidiary = factory.LazyFunction(lambda: subsidiary("FR"))
    country = factory.LazyAttribute(lambda u: u.subsidiary.code)
    address = "1 rue de la Paix"
    city = "Paris"
    postcode = "75002"
    email_confirmed = True
    password = factory.PostGenerationMethodCall("set_password", "demo")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    plan_code = factory.Sequence(lambda n: f"plan-{n}")
    family = Family.WEB_HOSTING
    name_en = factory.LazyAttribute(lambda p: f"Hosting {p.plan_code}")
    name_fr = factory.LazyAttribute(lambda p: f"Hébergement {p.plan_code}")


class PricingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pricing

    plan = factory.SubFactory(PlanFactory)
    subsidiary = factory.LazyFunction(lambda: subsidiary("FR"))
    duration = "P1M"
    months = 1
    pricing_mode = "default"
    price = Decimal("10.00")
    installation_fee = Decimal("0")


class PaymentMethodFactory(factory.django.DjangoModelFactory):
    """Registered for real with the sandbox gateway, so its token can be charged: needs the `sandbox` database."""

    class Meta:
        model = PaymentMethod

    class Params:
        registration = factory.LazyAttribute(lambda m: PaymentMethodFactory.register(m.kind))

    account = factory.SubFactory(UserFactory)
    kind = PaymentKind.CARD
    label = factory.LazyAttribute(lambda m: m.registration.label)
    token = factory.LazyAttribute(lambda m: m.registration.token)
    expires_on = factory.LazyAttribute(lambda m: m.registration.expires_on)
    is_default = True

    @staticmethod
    def register(kind: str) -> Registration:
        """A sandbox means of payment of that kind that always succeeds (card 4242 4242 4242 4242)."""
        details = {
            PaymentKind.CARD: {
                "number": "4242424242424242",
                "exp_month": 12,
                "exp_year": timezone.localdate().year + 3,
            },
            PaymentKind.SEPA: {"iban": "FR7630006000011234567890189"},
            PaymentKind.PAYPAL: {"email": "buyer@example.com"},
            PaymentKind.BANK_TRANSFER: {},
        }[kind]
        return SandboxGateway().register(kind=kind, details=details)


class SupportingDocumentFactory(factory.django.DjangoModelFactory):
    """A document's row only: the file itself is not needed by the pages and exports that list documents."""

    class Meta:
        model = "orders.SupportingDocument"

    file = "supporting-documents/x.pdf"
    uploaded_at = factory.LazyFunction(timezone.now)
    original_name = "passport.pdf"
    content_type = "application/pdf"
    size = 1234


# --- orders, built through the real services ---------------------------------------------------


def place_order(*, account=None, pricings=None, express_request: bool = False, now=None):
    """Cart → assign → checkout, exactly as a customer does; returns the unpaid order."""
    from orders.services.carts import cart_add_item, cart_assign, cart_create
    from orders.services.checkout import cart_checkout
    from orders.services.consents import Evidence

    account = account or UserFactory()
    pricings = pricings or [PricingFactory(subsidiary=account.subsidiary)]
    cart = cart_create(subsidiary_code=account.subsidiary_id, now=now)
    for pricing in pricings:
        cart_add_item(
            cart=cart,
            plan_code=pricing.plan.plan_code,
            duration=pricing.duration,
            pricing_mode=pricing.pricing_mode,
            now=now,
        )
    cart_assign(cart=cart, account=account, now=now)
    return cart_checkout(
        cart=cart,
        account=account,
        evidence=Evidence(channel="panel", ip="127.0.0.1"),
        express_request=express_request,
        now=now,
    )


def pay_order(order, *, now=None, kind: str = PaymentKind.CARD):
    """Record a payment the gateway confirmed (the gateway itself is exercised in the payment tests)."""
    from orders.models import Payment
    from orders.services.payments import payment_record_result
    from payments.gateway import GatewayResult

    payment = Payment.objects.create(
        order=order,
        kind=kind,
        amount=order.total_gross,
        currency=order.currency,
        idempotency_key=f"test-{order.pk}-{Payment.objects.count()}",
    )
    payment_record_result(
        payment_id=payment.pk,
        now=now,
        result=GatewayResult(status="succeeded", reference=f"ref-{payment.pk}", message="", settles_at=None),
    )
    order.refresh_from_db()
    return order


def withdrawn_order_refund(monkeypatch):
    """The pending refund of a card-paid order withdrawn in full; its task's message is held back, so it waits."""
    from orders.models import Refund
    from orders.services.consents import Evidence
    from orders.services.payments import order_pay
    from orders.services.withdrawals import WithdrawalRequest, order_withdraw
    from orders.tasks import pay_refund

    monkeypatch.setattr(pay_refund, "apply_async", lambda args, **options: None)
    account = UserFactory()
    order = place_order(account=account)
    order_pay(order_id=order.pk, account=account, method=PaymentMethodFactory(account=account))
    order_withdraw(
        order_id=order.pk,
        request=WithdrawalRequest(confirmed=True),
        evidence=Evidence(channel="panel", actor=account),
        channel="panel",
    )
    return Refund.objects.get(order=order, status=Refund.Status.PENDING)
