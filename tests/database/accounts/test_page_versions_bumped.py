"""Every service that writes what an account's pages show of the account itself (details, language, payment methods)
bumps its page version, and every admin save of the subsidiaries or plans the reference data's
(core.page_versions): one test per writing service, on real data."""

from dataclasses import replace
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import PaymentMethod, Subsidiary
from accounts.services import (
    BillingDetails,
    billing_details_update,
    language_set,
    payment_method_add,
    payment_method_remove,
    payment_method_set_default,
)
from catalog.models import Plan
from payments.kinds import PaymentKind
from tests.support.factories import PaymentMethodFactory, PlanFactory, UserFactory, subsidiary
from tests.support.page_versions import bumped

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2099}


def test_updating_the_billing_details_bumps_the_account():
    account = UserFactory()
    details = BillingDetails(first_name="Alice", last_name="Durand", country="FR", address="2 rue du Bac")
    with bumped(accounts=[account.pk]):
        billing_details_update(account=account, details=replace(details, city="Lyon"))


def test_setting_the_language_bumps_the_account():
    account = UserFactory(language="en")
    with bumped(accounts=[account.pk]):
        language_set(account=account, language="fr")


@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])  # the gateway verifies the card
def test_adding_a_payment_method_bumps_the_account():
    account = UserFactory()
    with bumped(accounts=[account.pk]):
        payment_method_add(account=account, kind=PaymentKind.CARD, details=CARD)


def test_changing_the_default_payment_method_bumps_the_account():
    account = UserFactory()
    PaymentMethodFactory(account=account)
    other = PaymentMethodFactory(account=account, is_default=False)
    with bumped(accounts=[account.pk]):
        payment_method_set_default(method=other)


@pytest.mark.parametrize("default", [True, False])
def test_removing_a_payment_method_bumps_the_account(default):
    account = UserFactory()
    first = PaymentMethodFactory(account=account)
    second = PaymentMethodFactory(account=account, is_default=False)
    with bumped(accounts=[account.pk]):
        payment_method_remove(method=first if default else second)
    assert PaymentMethod.objects.filter(account=account).count() == 1


def admin_saves(obj) -> None:
    """What the admin's change form does last, once the row (and its inlines) are saved."""
    request = RequestFactory().post("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    form = SimpleNamespace(instance=obj, save_m2m=lambda: None)
    admin.site._registry[type(obj)].save_related(request, form, [], True)


def test_the_admin_bumps_an_account_it_saves():
    account = UserFactory()
    with bumped(accounts=[account.pk]):
        admin_saves(account)


@pytest.mark.parametrize("model", [Subsidiary, Plan])
def test_the_admin_bumps_the_reference_data_for_a_subsidiary_or_plan_it_saves(model):
    with bumped(reference=True):
        admin_saves(subsidiary("FR") if model is Subsidiary else PlanFactory())


def test_the_admin_bumps_the_reference_data_for_plans_it_deletes():
    plans = [PlanFactory(), PlanFactory()]
    request = RequestFactory().post("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    with bumped(reference=True):
        admin.site._registry[Plan].delete_queryset(request, Plan.objects.filter(pk__in=[p.pk for p in plans]))


def test_a_plan_changed_through_the_admins_form_bumps_the_reference_data(client):
    """The whole admin flow: the change form's POST saves the plan, then bumps, in the view's transaction."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    plan = PlanFactory()
    form = {"plan_code": plan.plan_code, "family": plan.family, "name_en": "Renamed", "name_fr": plan.name_fr}
    inline = {"pricings-TOTAL_FORMS": "0", "pricings-INITIAL_FORMS": "0"}
    with bumped(reference=True):
        response = client.post(reverse("admin:catalog_plan_change", args=[plan.pk]), {**form, **inline})
    assert response.status_code == 302
    assert Plan.objects.get(pk=plan.pk).name_en == "Renamed"
