"""factory_boy factories for the models; subsidiaries come from the data migration."""
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import LegalForm, PaymentKind, PaymentMethod, Subsidiary, User
from catalog.models import Family, Plan, Pricing


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
    class Meta:
        model = PaymentMethod

    account = factory.SubFactory(UserFactory)
    kind = PaymentKind.CARD
    label = "Visa •••• 4242"
    token = factory.Sequence(lambda n: f"card_test_{n}")
    expires_on = factory.LazyFunction(lambda: timezone.localdate().replace(year=timezone.localdate().year + 3))
    is_default = True
