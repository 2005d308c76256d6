"""Every service that writes what an order's pages or the orders list show bumps the order's page version and its
account's (orders.page_versions), in its own transaction: one test per writing service, on real data."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone

from core.errors import Conflict
from core.localtime import local_today
from core.models import OutboxEmail
from orders.models import Order, OrderStatus, Payment, Refund, Service
from orders.notifications import IBAN_NEEDED_TEMPLATE
from orders.services.consents import Evidence, order_waive_retraction
from orders.services.delivery import order_deliver, order_delivery_give_up, order_retry_delivery
from orders.services.expiry import orders_expire
from orders.services.invoices import invoice_issue
from orders.services.payments import Means, payment_keep_means, payment_record_result, payment_start
from orders.services.refund_destinations import (
    refund_approve_destination,
    refund_request_destination,
    refund_set_destination,
)
from orders.services.refunds import refund_execute, refund_retry, refunds_ask_for_ibans
from orders.services.renewals import renewals_create, service_renew
from orders.services.retention import evidence_purge
from orders.services.service_lifecycle import services_suspend_and_delete
from orders.services.supporting_documents import (
    RETENTION_DAYS,
    supporting_documents_purge,
    supporting_documents_upload,
)
from orders.services.transfers import transfer_receive
from orders.services.validation import order_refuse_and_refund, order_request_documents, order_validate
from orders.tasks import pay_refund
from orders.transfer_details import transfer_reference
from payments.gateway import GatewayResult
from payments.kinds import PaymentKind
from tests.support.factories import (
    PaymentMethodFactory,
    SupportingDocumentFactory,
    UserFactory,
    pay_order,
    place_order,
    withdrawn_order_refund,
)
from tests.support.orders import deliver, delivered_service, ending, paid_order, transfer_paid_order, withdraw
from tests.support.page_versions import account_version, bumped, order_versions

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])
# The payment gateway refuses to be called inside a transaction: these tests commit, as production does.
COMMITS = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
IBAN = "FR7630006000011234567890189"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def checking_order() -> Order:
    """Paid, waiting for validation (an account's first order is reviewed)."""
    order = pay_order(place_order())
    assert order.status == OrderStatus.CHECKING
    return order


def delivering_order() -> Order:
    order = checking_order()
    order_validate(order_id=order.pk, staff=None)
    return order


def refused_transfer_refund() -> Refund:
    """The refund of an order paid by bank transfer and refused: it waits for the customer's IBAN."""
    order = transfer_paid_order()
    order_refuse_and_refund(order_id=order.pk)
    refund = Refund.objects.get(order=order)
    assert refund.status == Refund.Status.NEEDS_IBAN
    return refund


# --- checkout and payment ------------------------------------------------------------------------------------


def test_checkout_bumps_the_new_order_and_its_account():
    account = UserFactory()
    with bumped(accounts=[account.pk]):
        order = place_order(account=account)
    assert order_versions(order)[0] > 0


def test_starting_a_payment_bumps_its_order():
    order = place_order()
    method = PaymentMethodFactory(account=order.account)
    with bumped(orders=[order]):
        payment_start(order_id=order.pk, account=order.account, means=Means.saved(method), now=timezone.now())


@pytest.mark.parametrize("status", ["succeeded", "declined", "pending"])
def test_recording_a_gateway_answer_bumps_its_order(status):
    order = place_order()
    method = PaymentMethodFactory(account=order.account)
    payment = payment_start(order_id=order.pk, account=order.account, means=Means.saved(method), now=timezone.now())
    with bumped(orders=[order]):
        payment_record_result(payment_id=payment.pk, result=GatewayResult(status=status, reference="gw-1"))


def test_keeping_the_means_of_a_payment_bumps_its_order_and_account():
    order = place_order()
    registration = PaymentMethodFactory.register(PaymentKind.CARD)
    means = Means(kind=PaymentKind.CARD, token=registration.token)
    payment = payment_start(order_id=order.pk, account=order.account, means=means, now=timezone.now())
    with bumped(orders=[order]):
        payment_keep_means(payment=payment, account=order.account, registration=registration, make_default=False)
    assert Payment.objects.get(pk=payment.pk).method is not None


@COMMITS
@pytest.mark.parametrize("part", ["short", "in full"])
def test_a_bank_transfer_received_bumps_its_order(staff, part):
    order = place_order(account=UserFactory(legal_form="corporation", organisation="Acme"))
    amount = Decimal("1.00") if part == "short" else order.total_gross
    with bumped(orders=[order]):
        transfer_receive(reference=transfer_reference(order.pk), amount=amount, bank_entry="E-1", staff=staff)


# --- validation, documents, delivery -------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["validate", "request documents", "refuse"])
def test_each_validation_decision_bumps_its_order(staff, decision):
    order = checking_order()
    with bumped(orders=[order]):
        if decision == "validate":
            order_validate(order_id=order.pk, staff=staff)
        elif decision == "request documents":
            order_request_documents(order_id=order.pk, staff=staff, today=local_today(order.subsidiary.time_zone))
        else:
            order_refuse_and_refund(order_id=order.pk, staff=staff)


def test_uploading_supporting_documents_bumps_its_order(settings, tmp_path, staff):
    settings.MEDIA_ROOT = tmp_path
    order = checking_order()
    order_request_documents(order_id=order.pk, staff=staff, today=local_today(order.subsidiary.time_zone))
    files = [SimpleUploadedFile("passport.pdf", PDF, content_type="application/pdf")]
    with bumped(orders=[order]):
        supporting_documents_upload(order_id=order.pk, account=order.account, files=files)


def test_purging_supporting_documents_bumps_their_order(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    order = checking_order()
    SupportingDocumentFactory(order=order, uploaded_by=order.account)
    order_validate(order_id=order.pk, staff=None)  # the case is decided: its documents go 90 days later
    with bumped(orders=[order]):
        assert supporting_documents_purge(now=timezone.now() + timedelta(days=RETENTION_DAYS + 1)) == 1


def test_delivering_an_order_bumps_it():
    order = delivering_order()
    with bumped(orders=[order]):
        assert order_deliver(order_id=order.pk).status == OrderStatus.DELIVERED


def test_a_failed_delivery_and_its_retry_bump_the_order(staff):
    order = delivering_order()
    with bumped(orders=[order]):
        order_delivery_give_up(order_id=order.pk, error="the host did not boot")
    with bumped(orders=[order]):
        order_retry_delivery(order_id=order.pk, staff=staff)


def test_delivering_a_renewal_bumps_the_order_its_service_came_from():
    service = delivered_service()
    origin = service.origin_line.order
    renewal = pay_order(service_renew(service=service, now=timezone.now()))
    with bumped(orders=[origin, renewal]):
        deliver(renewal)


def test_suspending_and_deleting_a_service_bump_the_order_it_came_from():
    service = delivered_service()
    origin = service.origin_line.order
    ending(service, local_today(origin.subsidiary.time_zone) - timedelta(days=2))
    with bumped(orders=[origin]):
        assert services_suspend_and_delete().suspended == [service.pk]
    later = timezone.now() + timedelta(days=settings.SERVICE_DELETION_DAYS + 1)
    with bumped(orders=[origin]):
        assert services_suspend_and_delete(now=later).deleted == [service.pk]


# --- invoices, withdrawals, refunds --------------------------------------------------------------------------


def test_issuing_the_invoice_bumps_its_order():
    order = checking_order()
    with bumped(orders=[order]):
        assert invoice_issue(order_id=order.pk) is not None


@COMMITS
def test_withdrawing_bumps_the_order():
    order = paid_order()
    with bumped(orders=[order]):
        withdraw(order)


@COMMITS
def test_paying_a_refund_bumps_its_order(monkeypatch):
    refund = withdrawn_order_refund(monkeypatch)
    with bumped(orders=[refund.order]):
        assert refund_execute(refund_id=refund.pk).status == Refund.Status.PAID


@COMMITS
def test_a_failed_refund_and_its_retry_bump_the_order(monkeypatch):
    refund = withdrawn_order_refund(monkeypatch)
    Payment.objects.filter(pk=refund.payment_id).update(token="sandbox_unknown")  # the gateway refuses it
    with bumped(orders=[refund.order]):
        assert refund_execute(refund_id=refund.pk).status == Refund.Status.FAILED
    with bumped(orders=[refund.order]):
        assert refund_retry(refund_id=refund.pk).status == Refund.Status.PENDING


@COMMITS
def test_a_transfer_refund_without_iban_bumps_its_order_when_it_waits_or_the_customer_is_asked():
    refund = refused_transfer_refund()
    Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.PENDING)  # as rows older than the IBAN rule
    with bumped(orders=[refund.order]):
        assert refund_execute(refund_id=refund.pk).status == Refund.Status.NEEDS_IBAN
    OutboxEmail.objects.filter(template=IBAN_NEEDED_TEMPLATE).delete()  # as refunds nobody asked about yet
    with bumped(orders=[refund.order]):
        assert refunds_ask_for_ibans() == 1


@COMMITS
def test_each_change_of_a_refunds_destination_bumps_its_order(monkeypatch, staff):
    monkeypatch.setattr(pay_refund, "apply_async", lambda args, **options: None)  # the refund waits, unpaid
    refund = refused_transfer_refund()
    with bumped(orders=[refund.order]):
        refund_set_destination(refund_id=refund.pk, iban=IBAN, actor=refund.order.account, channel="panel")
    with bumped(orders=[refund.order]):
        change = refund_request_destination(refund_id=refund.pk, iban=IBAN, customer_request="Letter", staff=staff)
    with bumped(orders=[refund.order]):
        refund_approve_destination(change_id=change.pk, staff=UserFactory(is_staff=True))


# --- consents, renewals, the sweeps --------------------------------------------------------------------------


def test_waiving_the_retraction_period_bumps_the_order():
    order = place_order()
    evidence = Evidence(channel="panel", ip="127.0.0.1", actor=order.account)
    with bumped(orders=[order]):
        order_waive_retraction(order=order, evidence=evidence, now=timezone.now())


def test_purging_old_consents_bumps_their_order():
    order = place_order()  # a consumer's: the withdrawal information's consent is on file
    with bumped(orders=[order]):
        assert evidence_purge(now=timezone.now() + timedelta(days=settings.EVIDENCE_RETENTION_DAYS + 1)) == 1


def test_a_renewal_order_bumps_itself_and_its_account():
    service = delivered_service()
    with bumped(accounts=[service.account_id]):
        renewal = service_renew(service=service, now=timezone.now())
    assert order_versions(renewal)[0] > 0


def test_the_expiry_sweep_bumps_the_orders_it_expires():
    orders = [place_order(), place_order()]
    with bumped(orders=orders):
        assert orders_expire(now=max(order.expires_at for order in orders) + timedelta(seconds=1)) == 2


def test_a_failed_service_leaves_the_versions_as_they_were(monkeypatch):
    """renewals_create renews and emails in one transaction: an email that fails takes the renewal order and its
    bump back with it."""
    service = delivered_service()
    ending(service, local_today(service.account.subsidiary.time_zone) + timedelta(days=1))
    before = account_version(service.account_id)

    def failing(order):
        raise Conflict("the email could not be written")

    monkeypatch.setattr("orders.services.renewals.notify_renewal_created", failing)
    assert renewals_create(now=timezone.now()) == []
    assert account_version(service.account_id) == before
    assert not Order.objects.filter(lines__renewed_service=service).exists()


# --- the admin -----------------------------------------------------------------------------------------------


def request_by(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


def admin_saves(obj, user) -> None:
    """What the admin's change form does last, once the row (and its inlines) are saved."""
    form = SimpleNamespace(instance=obj, save_m2m=lambda: None)
    admin.site._registry[type(obj)].save_related(request_by(user), form, [], True)


def test_the_admin_bumps_an_order_it_saves_and_the_account_of_one_it_deletes():
    superuser = UserFactory(is_staff=True, is_superuser=True)
    model_admin = admin.site._registry[Order]
    order = place_order()
    with bumped(orders=[order]):
        admin_saves(order, superuser)
    with bumped(accounts=[order.account_id]):
        model_admin.delete_queryset(request_by(superuser), Order.objects.filter(pk=order.pk))
    assert not Order.objects.filter(pk=order.pk).exists()


def test_the_admin_bumps_the_order_of_a_service_it_saves_or_deletes():
    superuser = UserFactory(is_staff=True, is_superuser=True)
    model_admin = admin.site._registry[Service]
    service = delivered_service()
    origin = service.origin_line.order
    with bumped(orders=[origin]):
        admin_saves(service, superuser)
    with bumped(orders=[origin]):
        model_admin.delete_model(request_by(superuser), service)


def test_the_admin_bumps_the_order_of_a_payment_it_deletes():
    superuser = UserFactory(is_staff=True, is_superuser=True)
    order = place_order()
    method = PaymentMethodFactory(account=order.account)
    payment = payment_start(order_id=order.pk, account=order.account, means=Means.saved(method), now=timezone.now())
    payment_record_result(payment_id=payment.pk, result=GatewayResult(status="declined", reference="gw-1"))
    with bumped(orders=[order]):
        admin.site._registry[Payment].delete_model(request_by(superuser), Payment.objects.get(pk=payment.pk))
