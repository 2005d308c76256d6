"""/me and /me/order: the account, its payment methods, orders, bills and refunds (OVHcloud's me.json)."""

from typing import Annotated, Literal

from pydantic import Field

from accounts.models import LegalForm
from orders import followup, history
from orders.models import OrderLine, OrderStatus, RetractionReason
from orders.services.withdrawals import MAX_COMMENT
from payments.iban import IBAN_INPUT_MAX_LENGTH

from ..params import MAX_ID, Integer, integer, text
from ..serializers import PAYMENT_TYPES
from ..serializers_billing import PAYMENT_MEANS, REUSABLE_MEAN_VALUES
from .base import OvhBody, OvhType, Price, ovh_enum

DATE_TIME = {"format": "date-time"}
DateTimeText = Annotated[str, Field(json_schema_extra=DATE_TIME)]
PaymentType = Literal[tuple(sorted(PAYMENT_TYPES.values()))]
PaymentStatus = Literal["VALID", "EXPIRED", "PAUSED"]
OrderStatusEnum = ovh_enum("billing.order.OrderStatusEnum", OrderStatus.values)
PaymentMeanEnum = ovh_enum("billing.PaymentMeanEnum", sorted(set(PAYMENT_MEANS.values())))
ReusablePaymentMeanEnum = ovh_enum("billing.ReusablePaymentMeanEnum", REUSABLE_MEAN_VALUES)
DetailType = Literal[tuple(OrderLine.Kind.values)]


class Currency(OvhType, title="order.Currency"):
    code: str
    symbol: str


class Nichandle(OvhType, title="nichandle.Nichandle"):
    nichandle: str
    customerCode: str
    email: str
    ovhSubsidiary: str
    ovhCompany: Literal["ovh", "kimsufi", "soyoustart"]
    legalform: Literal[tuple(LegalForm.values)]
    country: str
    language: str
    firstname: str
    name: str
    organisation: str
    corporationType: str | None
    address: str
    complementaryAddress: str | None
    city: str
    zip: str
    area: str | None
    phone: str
    vat: str
    spareEmail: str | None
    currency: Currency
    state: Literal["complete", "incomplete"]
    kycValidated: bool | None


class PaymentMethod(OvhType, title="me.payment.method.PaymentMethod"):
    paymentMethodId: int
    paymentType: PaymentType
    paymentSubType: str | None
    label: str
    description: str
    default: bool
    status: PaymentStatus
    expirationDate: Annotated[str, Field(json_schema_extra={"format": "date"})] | None
    creationDate: DateTimeText


class Document(OvhType):
    """What billing.Order, billing.Bill and billing.Refund share: where to read it, and its amounts."""

    date: DateTimeText | None
    password: str
    url: str
    pdfUrl: str
    priceWithTax: Price
    priceWithoutTax: Price
    tax: Price


class BillingOrder(Document, title="billing.Order"):
    orderId: int
    expirationDate: DateTimeText | None
    retractionDate: DateTimeText | None


class Bill(Document, title="billing.Bill"):
    billId: str
    orderId: int
    category: str


class Refund(Document, title="billing.Refund"):
    refundId: str
    orderId: int
    originalBillId: str | None


class FollowUpEvent(OvhType, title="billing.order.FollowUpHistory"):
    date: DateTimeText | None
    label: Literal[tuple(sorted(history.OVH_LABELS))]
    description: str


class FollowUp(OvhType, title="billing.order.FollowUp"):
    step: Literal[history.STEPS]
    status: Literal[followup.DONE, followup.DOING, followup.TODO, followup.ERROR]
    history: list[FollowUpEvent]


class BillingOrderDetail(OvhType, title="billing.OrderDetail"):
    orderDetailId: int
    description: str
    domain: str
    quantity: str
    unitPrice: Price
    totalPrice: Price
    cancelled: bool
    detailType: DetailType


class ItemProduct(OvhType, title="billing.ItemDetail.Product"):
    name: str


class ItemPlan(OvhType, title="billing.ItemDetail.Plan"):
    code: str
    duration: str
    pricingMode: str
    quantity: int
    product: ItemProduct


class Configuration(OvhType, title="billing.ItemDetail.Configuration"):
    label: str
    value: str


class ItemOrder(OvhType, title="billing.ItemDetail.Order"):
    action: Literal["installation", "renew"]
    type: Literal["plan", "product"]
    plan: ItemPlan
    configurations: list[Configuration]


class ItemDetail(OvhType, title="billing.ItemDetail"):
    order: ItemOrder


class AssociatedObject(OvhType, title="billing.order.AssociatedObject"):
    id: str
    type: Literal["Bill", "Deposit", "Refund", "ReverseBill", "Withdrawal"]


class AvailablePaymentMethod(OvhType, title="billing.order.AvailablePaymentMethod"):
    paymentType: PaymentType
    paymentSubType: str | None
    integration: Literal["GET_FORM", "POST_FORM", "REDIRECT"]
    oneshot: bool
    registerable: bool


class PaymentMethods(OvhType, title="billing.order.PaymentMethods"):
    available: list[AvailablePaymentMethod]
    paymentMethods: list[PaymentMethod]
    registered: list[int]


class RegisteredPaymentMean(OvhType, title="billing.order.RegisteredPaymentMean"):
    paymentMean: ReusablePaymentMeanEnum


class Payment(OvhType, title="billing.Payment"):
    paymentDate: DateTimeText
    paymentIdentifier: str | None
    paymentType: PaymentMeanEnum


class Debt(OvhType, title="debt.Debt"):
    orderId: int
    amount: Price
    dueAmount: Price
    dueDate: DateTimeText | None
    pendingAmount: Price
    todoAmount: Price
    unmaturedAmount: Price


class BillDetail(OvhType, title="billing.BillDetail"):
    billDetailId: str
    description: str
    domain: str
    periodStart: Annotated[str, Field(json_schema_extra={"format": "date"})] | None
    periodEnd: Annotated[str, Field(json_schema_extra={"format": "date"})] | None
    quantity: str
    unitPrice: Price
    totalPrice: Price
    originalBillDetailId: str | None
    planCode: str | None
    serviceId: int | None


# --- bodies --------------------------------------------------------------------------------------------------


class PaymentMethodReference(OvhBody, title="billing.order.PaymentMethodReference"):
    id: Integer


class Pay(OvhBody, title="billing.order.Pay"):
    paymentMethod: PaymentMethodReference


class PayWithRegisteredPaymentMean(OvhBody, title="billing.order.PayWithRegisteredPaymentMean"):
    paymentMean: ReusablePaymentMeanEnum
    paymentMeanId: integer(ge=1, le=MAX_ID) | None = None


class Retraction(OvhBody, title="billing.order.Retraction"):
    reason: Literal[tuple(RetractionReason.values)]
    comment: text(MAX_COMMENT) | None = None
    iban: text(IBAN_INPUT_MAX_LENGTH, description="Only for orders paid by bank transfer") | None = None


class Empty(OvhBody, title="Empty"):
    """No parameter: an empty body, `{}` or `null` (broken JSON is still a 400)."""


NO_BODY = Empty()  # the default of an Empty body parameter: an empty body is valid
