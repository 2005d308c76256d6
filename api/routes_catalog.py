"""/order/catalog: the formatted and public catalogs of a subsidiary, without auth (reference §3.8)."""

from decimal import Decimal
from typing import Annotated

from django.utils import translation
from ninja import Router

from accounts.models import Subsidiary
from catalog.models import Family, Pricing
from core.localtime import local_today
from core.money import price_json
from core.vat import vat_treatment

from . import errors
from .params import Documented
from .schemas.base import SubsidiaryCode
from .schemas.catalog import Catalog, DedicatedCatalog, PrivateCloudCatalog, PublicCatalog
from .serializers import CURRENCY_SYMBOLS, PRODUCTS, currency_json, offer_prices
from .signing import PUBLIC

router = Router(tags=["catalog"], auth=PUBLIC)
FORMATTED = ("cloud", "dedicated", "privateCloud")
CATALOG_IDS = {family.value: index for index, family in enumerate(Family, start=1)}
FormattedName = Annotated[str, Documented(enum=list(FORMATTED))]
PublicName = Annotated[str, Documented(enum=list(PRODUCTS))]


def _subsidiary(code: str) -> Subsidiary:
    subsidiary = Subsidiary.objects.filter(code=code.upper()).first()
    if subsidiary is None:
        raise errors.bad_request(f"Invalid parameter ovhSubsidiary: unknown subsidiary {code}")
    return subsidiary


def _pricings(subsidiary: Subsidiary, family: str) -> list[Pricing]:
    return list(
        Pricing.objects.select_related("plan")
        .filter(subsidiary=subsidiary, plan__family=family, plan__active=True)
        .order_by("plan__plan_code", "months", "pricing_mode", "pk")
    )


def _by_plan(pricings: list[Pricing]) -> dict:
    plans: dict = {}
    for pricing in pricings:
        plans.setdefault(pricing.plan, []).append(pricing)
    return plans


def _language() -> str:
    return translation.get_language() or "en"


def _tax_rate(subsidiary: Subsidiary) -> Decimal:
    return vat_treatment(
        subsidiary_country=subsidiary.country,
        billing_country=subsidiary.country,
        legal_form="individual",
        vat_number="",
        on=local_today(subsidiary.time_zone),
    ).rate


# --- formatted catalogs ---------------------------------------------------------------------------------------


@router.get(
    "/order/catalog/formatted",
    response=list[str],
    operation_id="getOrderCatalogFormattedNames",
    summary="Names of the formatted catalogs",
)
def formatted_names(request):
    return list(FORMATTED)


def _formatted_plan(plan, pricings: list[Pricing], subsidiary: Subsidiary, language: str) -> dict:
    currency = subsidiary.currency
    formatted = []
    for pricing in pricings:
        for entry in offer_prices(pricing, currency, language):
            formatted.append(
                {
                    "capacities": entry["capacities"],
                    "commitment": pricing.commitment,
                    "description": entry["description"],
                    "interval": entry["interval"],
                    "intervalUnit": "month" if entry["interval"] else "none",
                    "minimumQuantity": entry["minimumQuantity"],
                    "maximumQuantity": entry["maximumQuantity"],
                    "minimumRepeat": entry["minimumRepeat"],
                    "maximumRepeat": entry["maximumRepeat"],
                    "mustBeCompleted": False,
                    "price": entry["price"],
                    "priceInUcents": entry["priceInUcents"],
                    "pricingStrategy": "tiered",
                    "pricingMode": entry["pricingMode"],
                    "duration": entry["duration"],
                }
            )
    cheapest = min(pricings, key=lambda p: (p.price, p.months))
    return {
        "planCode": plan.plan_code,
        "invoiceName": plan.name(language),
        "pricingType": "rental",
        "familyName": plan.family,
        "addonsFamily": [],
        "details": {
            "pricings": {"default": formatted},
            "product": {
                "name": plan.plan_code,
                "description": plan.name(language),
                "internalType": plan.family,
                "configurations": [],
            },
        },
        "prices": [{"region": subsidiary.code, "price": price_json(cheapest.price, currency, language)}],
    }


@router.get(
    "/order/catalog/formatted/{segment:catalogName}",
    response=Catalog | PrivateCloudCatalog | DedicatedCatalog,
    operation_id="getOrderCatalogFormatted",
    summary="A formatted catalog (cloud, dedicated, privateCloud)",
)
def formatted_catalog(
    request,
    catalogName: FormattedName,
    ovhSubsidiary: SubsidiaryCode,
):
    if catalogName not in FORMATTED:
        raise errors.not_found(f"Unknown catalog {catalogName}")
    subsidiary = _subsidiary(ovhSubsidiary)
    language = _language()
    plans = [
        _formatted_plan(plan, pricings, subsidiary, language)
        for plan, pricings in _by_plan(_pricings(subsidiary, catalogName)).items()
    ]
    catalog_id = CATALOG_IDS[catalogName]
    if catalogName == "cloud":
        return {"catalogId": catalog_id, "merchantCode": subsidiary.code, "plans": plans}
    if catalogName == "privateCloud":
        return {
            "active": True,
            "catalogId": catalog_id,
            "catalogName": "privateCloud",
            "commercialRanges": [],
            "merchantCode": subsidiary.code,
            "plans": plans,
        }
    currency = currency_json(subsidiary.currency)
    return {
        "families": [{"name": "dedicated", "products": [plan["planCode"] for plan in plans]}],
        "metadatas": {
            "catalog": "dedicated",
            "currency": {
                "code": currency["code"],
                "description": currency["code"],
                "symbol": CURRENCY_SYMBOLS.get(currency["code"], currency["symbol"]),
            },
            "datacenters": [],
            "merchant": subsidiary.code,
        },
        "products": [
            {
                "code": plan["planCode"],
                "family": "dedicated",
                "invoiceName": plan["invoiceName"],
                "datacenters": [],
                "prices": plan["details"]["pricings"]["default"],
                "specifications": {},
                "addonsFamily": [],
            }
            for plan in plans
        ],
        "techDetails": [],
    }


# --- public catalogs ------------------------------------------------------------------------------------------


def _public_pricing(pricing: Pricing, entry: dict, rate: Decimal) -> dict:
    ucents = entry["priceInUcents"]
    tax = int((Decimal(ucents) * rate).to_integral_value())
    return {
        "phase": 1,
        "capacities": entry["capacities"],
        "commitment": pricing.commitment,
        "description": entry["description"],
        "interval": entry["interval"],
        "intervalUnit": "month" if entry["interval"] else "none",
        "mode": entry["pricingMode"],
        "mustBeCompleted": False,
        "price": ucents,
        "tax": tax,
        "quantity": {"min": entry["minimumQuantity"], "max": entry["maximumQuantity"]},
        "repeat": {"min": entry["minimumRepeat"], "max": entry["maximumRepeat"]},
        "strategy": "tiered",
        "type": entry["pricingType"],
        "promotions": [],
        "engagementConfiguration": None,
    }


@router.get(
    "/order/catalog/public/{segment:catalogName}",
    response=PublicCatalog,
    operation_id="getOrderCatalogPublic",
    summary="A public catalog",
)
def public_catalog(
    request,
    catalogName: PublicName,
    ovhSubsidiary: SubsidiaryCode,
):
    family = PRODUCTS.get(catalogName)
    if family is None:
        raise errors.not_found(f"Unknown catalog {catalogName}")
    subsidiary = _subsidiary(ovhSubsidiary)
    language = _language()
    rate = _tax_rate(subsidiary)
    plans = []
    for plan, pricings in _by_plan(_pricings(subsidiary, family)).items():
        plans.append(
            {
                "planCode": plan.plan_code,
                "invoiceName": plan.name(language),
                "product": plan.plan_code,
                "family": plan.family,
                "pricingType": "rental",
                "pricings": [
                    _public_pricing(pricing, entry, rate)
                    for pricing in pricings
                    for entry in offer_prices(pricing, subsidiary.currency, language)
                ],
                "addonFamilies": [],
                "configurations": [],
            }
        )
    return {
        "catalogId": CATALOG_IDS[family],
        "locale": {
            "currencyCode": subsidiary.currency,
            "subsidiary": subsidiary.code,
            "taxRate": float(rate * 100),
        },
        "planFamilies": [{"name": family}],
        "plans": plans,
        "addons": [],
        "products": [{"name": plan["product"], "description": plan["invoiceName"]} for plan in plans],
    }
