"""/order/catalog: the formatted catalogs (cloud, dedicated, privateCloud) and the public ones."""

from .base import OvhType, Price


class CatalogPricing(OvhType, title="order.catalog.Pricing"):
    capacities: list[str]
    commitment: int
    description: str
    interval: int
    intervalUnit: str
    minimumQuantity: int
    maximumQuantity: int | None
    minimumRepeat: int
    maximumRepeat: int | None
    mustBeCompleted: bool
    price: Price
    priceInUcents: int
    pricingStrategy: str
    pricingMode: str
    duration: str


class ProductConfiguration(OvhType, title="order.catalog.ProductInfo"):
    name: str
    description: str
    internalType: str
    configurations: list[dict]


class PlanPricings(OvhType, title="order.catalog.PlanPricings"):
    default: list[CatalogPricing]


class PlanDetails(OvhType, title="order.catalog.PlanDetails"):
    pricings: PlanPricings
    product: ProductConfiguration


class RegionPrice(OvhType, title="order.catalog.RegionPrice"):
    region: str
    price: Price


class ProductPlan(OvhType, title="order.catalog.ProductPlan"):
    planCode: str
    invoiceName: str
    pricingType: str
    familyName: str
    addonsFamily: list[dict]
    details: PlanDetails
    prices: list[RegionPrice]


class Catalog(OvhType, title="order.catalog.Catalog"):
    catalogId: int
    merchantCode: str
    plans: list[ProductPlan]


class PrivateCloudCatalog(OvhType, title="order.catalog.pcc.Catalog"):
    active: bool
    catalogId: int
    catalogName: str
    commercialRanges: list[dict]
    merchantCode: str
    plans: list[ProductPlan]


class DedicatedFamily(OvhType, title="order.catalog.dedicated.Family"):
    name: str
    products: list[str]


class DedicatedCurrency(OvhType, title="order.catalog.dedicated.Currency"):
    code: str
    description: str
    symbol: str


class DedicatedMetadatas(OvhType, title="order.catalog.dedicated.Metadatas"):
    catalog: str
    currency: DedicatedCurrency
    datacenters: list[str]
    merchant: str


class DedicatedProduct(OvhType, title="order.catalog.dedicated.Product"):
    code: str
    family: str
    invoiceName: str
    datacenters: list[str]
    prices: list[CatalogPricing]
    specifications: dict
    addonsFamily: list[dict]


class DedicatedCatalog(OvhType, title="order.catalog.dedicated.Catalog"):
    families: list[DedicatedFamily]
    metadatas: DedicatedMetadatas
    products: list[DedicatedProduct]
    techDetails: list[dict]


class Range(OvhType, title="order.catalog.publik.Range"):
    min: int
    max: int | None


class PublicPricing(OvhType, title="order.catalog.publik.Pricing"):
    phase: int
    capacities: list[str]
    commitment: int
    description: str
    interval: int
    intervalUnit: str
    mode: str
    mustBeCompleted: bool
    price: int
    tax: int
    quantity: Range
    repeat: Range
    strategy: str
    type: str
    promotions: list[dict]
    engagementConfiguration: dict | None


class PublicPlan(OvhType, title="order.catalog.publik.Plan"):
    planCode: str
    invoiceName: str
    product: str
    family: str | None
    pricingType: str
    pricings: list[PublicPricing]
    addonFamilies: list[dict]
    configurations: list[dict]


class PublicLocale(OvhType, title="order.catalog.publik.Locale"):
    currencyCode: str
    subsidiary: str
    taxRate: float


class PlanFamily(OvhType, title="order.catalog.publik.PlanFamily"):
    name: str


class PublicProduct(OvhType, title="order.catalog.publik.Product"):
    name: str
    description: str


class PublicCatalog(OvhType, title="order.catalog.publik.Catalog"):
    catalogId: int
    locale: PublicLocale
    planFamilies: list[PlanFamily]
    plans: list[PublicPlan]
    addons: list[dict]
    products: list[PublicProduct]
