"""/order/cart: carts, their items and configurations, offers, quotes and placed orders (order.json)."""

from typing import Annotated, Literal

from pydantic import Field

from catalog.models import Family, Plan, Pricing
from orders.models import Cart as CartModel
from orders.services.carts import MAX_QUANTITY

from ..params import MAX_ID, Boolean, DateTime, Documented, integer, text
from ..serializers import PRODUCTS
from .base import OvhBody, OvhType, Price, SubsidiaryCode
from .billing import DateTimeText, DetailType

Duration = text(Pricing._meta.get_field("duration").max_length)
PricingMode = text(Pricing._meta.get_field("pricing_mode").max_length)
Quantity = integer(ge=1, le=MAX_QUANTITY)
PlanCode = text(Plan._meta.get_field("plan_code").max_length)
CartDescription = text(CartModel._meta.get_field("description").max_length)
# A domain name as typed (spaces, a final dot, Unicode): orders.domains cleans it, then checks its MAX_LENGTH.
DomainName = text(300)


CartId = Annotated[str, Documented(format="uuid")]
# A query parameter documented as optional, though required: missing, it is a 400 only once the cart is found
# (another customer's cart is a 404 first, as for every object route).
CHECKED_AFTER_CART = "Required (a 400 names it when missing)"
ProductName = Annotated[
    str,
    Documented(
        enum=lambda: [product for product in PRODUCTS if product != Family.DOMAIN],
        description="A product family; unknown ones are 404 (domain names have their own route)",
    ),
]


class Cart(OvhType, title="order.cart.Cart"):
    cartId: str
    description: str
    expire: DateTimeText | None
    items: list[int]
    readOnly: bool


class ItemPrice(OvhType, title="order.cart.Price"):
    label: Literal["DISCOUNT", "FEE", "PRICE", "RENEW", "TOTAL"]
    price: Price


class ItemSettings(OvhType, title="order.cart.ItemSettings"):
    planCode: str
    pricingMode: str
    quantity: int
    domain: str | None = Field(None, description="Domain items: the name, delivered as the service")


class Item(OvhType, title="order.cart.Item"):
    cartId: str
    itemId: int
    productId: str
    duration: str
    options: list[int]
    configurations: list[int]
    offerId: str | None = Field(None, description="Domain items: the offer taken")
    parentItemId: int | None = Field(None, description="Options: the item they were added to")
    prices: list[ItemPrice]
    settings: ItemSettings


class ProductInformation(OvhType, title="order.cart.ProductInformation"):
    """A domain name's offer (one per pricing mode of the plan that registers it)."""

    action: Literal["create", "trade", "transfer", "update"]
    configurations: list["ConfigurationRequirements"]
    deliveryTime: str
    duration: list[str]
    offerId: str
    orderable: bool = Field(description="Whether the registry has the name free")
    phase: str
    prices: list[ItemPrice]
    pricingMode: str
    productId: str
    quantityMax: int


class ConfigurationItem(OvhType, title="order.cart.ConfigurationItem"):
    id: int
    label: str
    value: str


class ConfigurationRequirements(OvhType, title="order.cart.ConfigurationRequirements"):
    label: str
    type: str
    required: bool
    fields: list[str] | None


class OfferPrice(OvhType, title="order.cart.GenericOptionDefinitionPrice"):
    capacities: list[Literal["installation", "renew"]]
    description: str
    duration: str
    interval: int
    minimumQuantity: int
    maximumQuantity: int | None
    minimumRepeat: int
    maximumRepeat: int | None
    price: Price
    priceInUcents: int
    pricingMode: str
    pricingType: Literal["consumption", "purchase", "rental"]


class ProductDefinition(OvhType, title="order.cart.GenericProductDefinition"):
    planCode: str
    productName: str
    productType: str
    prices: list[OfferPrice]


class OptionDefinition(OvhType, title="order.cart.GenericOptionDefinition"):
    planCode: str
    productName: str
    productType: str
    family: str
    mandatory: bool
    exclusive: bool
    prices: list[OfferPrice]


class Contract(OvhType, title="order.Contract"):
    name: str
    url: str
    content: str


class OrderPrices(OvhType, title="order.OrderPrices"):
    withoutTax: Price
    withTax: Price
    tax: Price
    originalWithoutTax: Price
    reduction: Price


class OrderDetail(OvhType, title="order.OrderDetail"):
    cartItemID: int | None
    description: str
    detailType: DetailType
    domain: str
    quantity: int
    unitPrice: Price
    totalPrice: Price
    originalTotalPrice: Price
    reductionTotalPrice: Price
    reductions: list[dict]


class Order(OvhType, title="order.Order"):
    """A quote (orderId and url null) or the purchase order a checkout placed."""

    orderId: int | None
    url: str | None
    prices: OrderPrices
    details: list[OrderDetail]
    contracts: list[Contract]


# --- bodies --------------------------------------------------------------------------------------------------


class CartCreation(OvhBody, title="order.cart.Creation"):
    ovhSubsidiary: SubsidiaryCode
    description: CartDescription | None = None
    expire: DateTime | None = None


class CartUpdate(OvhBody, title="order.cart.Update"):
    description: CartDescription | None = None
    expire: DateTime | None = None


class ItemCreation(OvhBody, title="order.cart.GenericProductCreation"):
    planCode: PlanCode
    duration: Duration
    pricingMode: PricingMode | None = None
    quantity: Quantity | None = None


class DomainCreation(OvhBody, title="order.cart.GenericDomainCreation"):
    domain: DomainName
    offerId: text(100) | None = None
    planCode: PlanCode | None = None
    pricingMode: PricingMode | None = None
    duration: Duration | None = None
    quantity: Quantity | None = None


class OptionCreation(OvhBody, title="order.cart.GenericOptionCreation"):
    itemId: integer(ge=1, le=MAX_ID)
    planCode: PlanCode
    duration: Duration
    pricingMode: PricingMode | None = None
    quantity: Quantity | None = None


class ItemUpdate(OvhBody, title="order.cart.ItemUpdate"):
    duration: Duration | None = None
    quantity: Quantity | None = None


class ConfigurationCreation(OvhBody, title="order.cart.ConfigurationCreation"):
    label: text(100, min_length=1)
    value: text(1000)


class Checkout(OvhBody, title="order.cart.Checkout"):
    autoPayWithPreferredPaymentMethod: Boolean | None = None
    waiveRetractationPeriod: Boolean | None = None
