"""OVHcloud's wire format: models and quotes turned into `billing.Order`, `order.cart.Cart`, `order.Price`…"""

from datetime import datetime
from decimal import Decimal

from babel.numbers import get_currency_symbol
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import PaymentMethod, Subsidiary, User
from catalog.models import Family, Pricing
from catalog.selectors import PlanOption
from core.localtime import zone
from core.money import price_json
from orders import history
from orders.configurations import configurations_list
from orders.domains import DomainAnswer
from orders.followup import follow_up
from orders.legal import legal_text
from orders.models import Cart, CartItem, Invoice, Order, OrderLine, Refund
from orders.pricing import Quote
from orders.services.carts import MAX_QUANTITY
from orders.withdrawal import withdrawal_eligibility
from payments.kinds import PaymentKind

# Cart products (OVHcloud's `{product}` of /order/cart/{cartId}/{product}) and catalog names → families.
PRODUCTS = {family.value: family.value for family in Family}

LANGUAGES = {
    ("fr", "FR"): "fr_FR",
    ("fr", "CA"): "fr_CA",
    ("fr", "TN"): "fr_TN",
    ("fr", "SN"): "fr_SN",
    ("en", "GB"): "en_GB",
    ("en", "IE"): "en_IE",
    ("en", "CA"): "en_CA",
    ("en", "US"): "en_US",
}
DEFAULT_LANGUAGES = {"fr": "fr_FR", "en": "en_GB", "de": "de_DE", "es": "es_ES", "it": "it_IT", "nl": "nl_NL"}
DEFAULT_LANGUAGES |= {"pl": "pl_PL", "pt": "pt_PT"}

# The manager's symbols (reference §2.5), else Babel's.
CURRENCY_SYMBOLS = {"EUR": "€", "PLN": "zł", "GBP": "£", "CAD": "C$", "USD": "USD$", "TND": "DT", "XOF": "FCFA"}

PAYMENT_TYPES = {
    PaymentKind.CARD: "CREDIT_CARD",
    PaymentKind.SEPA: "SEPA_DIRECT_DEBIT",
    PaymentKind.PAYPAL: "PAYPAL",
    PaymentKind.BANK_TRANSFER: "BANK_TRANSFER",
}


def absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def iso(instant: datetime | None, tz_name: str = "UTC") -> str | None:
    """ISO 8601 with the offset of the subsidiary's time zone, as OVHcloud answers."""
    if instant is None:
        return None
    return instant.astimezone(zone(tz_name)).isoformat(timespec="seconds")


def price(amount: Decimal, currency: str, language: str) -> dict:
    return price_json(Decimal(amount), currency, language or "en")


def ovh_language(language: str, subsidiary_code: str) -> str:
    short = (language or "en")[:2].lower()
    return LANGUAGES.get((short, subsidiary_code), DEFAULT_LANGUAGES.get(short, "en_GB"))


def currency_json(code: str) -> dict:
    return {"code": code, "symbol": CURRENCY_SYMBOLS.get(code) or get_currency_symbol(code, locale="en")}


def customer_code(user: User) -> str:
    digits = f"{user.pk:010d}"
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"


# --- /me ----------------------------------------------------------------------------------------------


def me_json(user: User) -> dict:
    complete = all([user.first_name or user.organisation, user.address, user.city, user.postcode, user.country])
    return {
        "nichandle": user.handle,
        "customerCode": customer_code(user),
        "email": user.email,
        "ovhSubsidiary": user.subsidiary_id,
        "ovhCompany": "ovh",
        "legalform": user.legal_form,
        "country": user.country,
        "language": ovh_language(user.language, user.subsidiary_id),
        "firstname": user.first_name,
        "name": user.last_name,
        "organisation": user.organisation,
        "corporationType": None,
        "address": user.address,
        "complementaryAddress": None,
        "city": user.city,
        "zip": user.postcode,
        "area": None,
        "phone": user.phone,
        "vat": user.vat_number,
        "spareEmail": None,
        "currency": currency_json(user.subsidiary.currency),
        "state": "complete" if complete else "incomplete",
        "kycValidated": None,
    }


# --- billing.Order and its parts -------------------------------------------------------------------------


def order_json(order: Order, *, now: datetime) -> dict:
    tz_name = order.subsidiary.time_zone
    eligibility = withdrawal_eligibility(order, now=now)
    retraction = eligibility.deadline_at if eligibility.eligible else None
    return {
        "orderId": order.pk,
        "date": iso(order.created_at, tz_name),
        "expirationDate": iso(order.expires_at, tz_name),
        "retractionDate": iso(retraction, tz_name),
        "password": "",
        "url": absolute(reverse("orders:purchase_order", args=[order.pk])),
        "pdfUrl": absolute(reverse("orders:purchase_order_pdf", args=[order.pk])),
        "priceWithTax": price(order.total_gross, order.currency, order.language),
        "priceWithoutTax": price(order.total_net, order.currency, order.language),
        "tax": price(order.total_vat, order.currency, order.language),
    }


def service_name(order: Order, line: OrderLine) -> str:
    """The delivered service's name for a line (an installation line shares its rental's), else the domain name
    being bought, else "*"."""
    for candidate in order.lines.all():
        if candidate.group == line.group and candidate.kind == OrderLine.Kind.DURATION:
            service = getattr(candidate, "service", None)
            return service.name if service is not None else candidate.domain or "*"
    return "*"


def order_detail_json(order: Order, line: OrderLine) -> dict:
    return {
        "orderDetailId": line.pk,
        "description": line.description,
        "domain": service_name(order, line),
        "quantity": str(line.quantity),
        "unitPrice": price(line.unit_price, order.currency, order.language),
        "totalPrice": price(line.net_total, order.currency, order.language),
        "cancelled": line.cancelled_at is not None,
        "detailType": line.kind,
    }


def item_detail_json(order: Order, line: OrderLine) -> dict:
    return {
        "order": {
            "action": "renew" if order.kind == "renewal" else "installation",
            "type": "plan",
            "plan": {
                "code": line.plan.plan_code,
                "duration": line.duration,
                "pricingMode": line.pricing_mode,
                "quantity": line.quantity,
                "product": {"name": line.plan.family},
            },
            "configurations": [
                {"label": c["label"], "value": c["value"]} for c in configurations_list(line.configurations)
            ],
        }
    }


def follow_up_json(order: Order) -> list[dict]:
    tz_name = order.subsidiary.time_zone
    return [
        {
            "step": step.step,
            "status": step.status,
            "history": [
                {
                    "date": iso(event.created_at, tz_name),
                    "label": event.label,
                    "description": str(history.LABEL_TEXTS.get(event.label, "")),
                }
                for event in step.history
                if event.label in history.OVH_LABELS
            ],
        }
        for step in follow_up(order, ovh_only=True)
    ]


def refund_json(refund: Refund) -> dict:
    """A refund; its url and pdfUrl are its credit note's once paid, the order's tracking until then (its `url` the
    page where the customer gives the IBAN while a bank-transfer refund waits for one)."""
    order = refund.order
    note = getattr(refund, "credit_note", None)
    url = pdf_url = absolute(reverse("orders:tracking", args=[order.pk]))
    if refund.status == Refund.Status.NEEDS_IBAN:
        url = absolute(reverse("orders:refund_iban", args=[order.pk, refund.pk]))
    if note is not None:
        url = absolute(reverse("orders:credit_note", args=[order.pk, note.pk]))
        pdf_url = absolute(reverse("orders:credit_note_pdf", args=[order.pk, note.pk]))
    invoice = getattr(order, "invoice", None)
    return {
        "refundId": str(refund.pk),
        "orderId": order.pk,
        "originalBillId": invoice.number if invoice else None,
        "date": iso(refund.created_at, order.subsidiary.time_zone),
        "password": "",
        "url": url,
        "pdfUrl": pdf_url,
        "priceWithTax": price(refund.amount, refund.currency, order.language),
        "priceWithoutTax": price(refund.amount - refund.vat_amount, refund.currency, order.language),
        "tax": price(refund.vat_amount, refund.currency, order.language),
    }


def bill_json(invoice: Invoice) -> dict:
    """billing.Bill: the invoice issued once the order was paid; `url` and `pdfUrl` open for its owner."""
    order = invoice.order
    return {
        "billId": invoice.number,
        "orderId": order.pk,
        "date": iso(invoice.issued_at, order.subsidiary.time_zone),
        "password": "",
        "category": "purchase",
        "url": absolute(reverse("orders:bill", args=[order.pk])),
        "pdfUrl": absolute(reverse("orders:bill_pdf", args=[order.pk])),
        "priceWithTax": price(invoice.total_gross, invoice.currency, order.language),
        "priceWithoutTax": price(invoice.total_net, invoice.currency, order.language),
        "tax": price(invoice.total_vat, invoice.currency, order.language),
    }


def payment_status(method: PaymentMethod, today) -> str:
    if method.status == PaymentMethod.Status.BLOCKED:
        return "PAUSED"
    return "VALID" if method.is_usable(today) else "EXPIRED"


def payment_method_json(method: PaymentMethod, today) -> dict:
    return {
        "paymentMethodId": method.pk,
        "paymentType": PAYMENT_TYPES.get(method.kind, method.kind),
        "paymentSubType": None,
        "label": method.label,
        "description": method.label,
        "default": method.is_default,
        "status": payment_status(method, today),
        "expirationDate": method.expires_on.isoformat() if method.expires_on else None,
        "creationDate": iso(method.created_at),
    }


def available_payment_json(kind: str) -> dict:
    return {
        "paymentType": PAYMENT_TYPES.get(kind, kind),
        "paymentSubType": None,
        "integration": "REDIRECT",
        "oneshot": True,
        "registerable": kind != PaymentKind.BANK_TRANSFER,
    }


# --- carts ---------------------------------------------------------------------------------------------


def cart_json(cart: Cart) -> dict:
    return {
        "cartId": str(cart.pk),
        "description": cart.description,
        "expire": iso(cart.expires_at, cart.subsidiary.time_zone),
        "items": [item.pk for item in cart.items.all()],
        "readOnly": cart.read_only,
    }


def cart_item_json(item: CartItem, language: str) -> dict:
    pricing = item.pricing
    currency = item.cart.subsidiary.currency
    quantity = item.quantity
    fee = pricing.installation_fee * quantity
    rental = pricing.price * quantity
    prices = [{"label": "PRICE", "price": price(rental, currency, language)}]
    if fee:
        prices.append({"label": "FEE", "price": price(fee, currency, language)})
    prices.append({"label": "RENEW", "price": price(rental, currency, language)})
    prices.append({"label": "TOTAL", "price": price(rental + fee, currency, language)})
    settings = {"planCode": pricing.plan.plan_code, "pricingMode": pricing.pricing_mode, "quantity": quantity}
    item_json = {
        "cartId": str(item.cart_id),
        "itemId": item.pk,
        "productId": pricing.plan.family,
        "duration": pricing.duration,
        "options": list(item.options.order_by("pk").values_list("pk", flat=True)),
        "configurations": [c["id"] for c in configurations_list(item.configurations)],
        "prices": prices,
        "settings": settings,
    }
    if item.domain:  # OVHcloud's domain items: the offer taken and order.cart.DomainSettings
        item_json["offerId"] = domain_offer_id(pricing.plan.plan_code, pricing.pricing_mode)
        settings["domain"] = item.domain
    if item.parent_id is not None:
        item_json["parentItemId"] = item.parent_id
    return item_json


def domain_offer_id(plan_code: str, pricing_mode: str) -> str:
    """A domain offer is a plan's pricing mode; its id names both, so that adding it needs nothing else."""
    return f"{plan_code}-{pricing_mode}"


def domain_offers_json(answer: DomainAnswer, currency: str, language: str) -> list[dict]:
    """order.cart.ProductInformation[]: one offer per pricing mode of the plan that registers the name."""
    modes: dict[str, list[Pricing]] = {}
    for pricing in answer.pricings:
        modes.setdefault(pricing.pricing_mode, []).append(pricing)
    offers = []
    for mode, pricings in modes.items():
        first = min(pricings, key=lambda pricing: pricing.months)  # the prices shown are its shortest duration's
        offers.append(
            {
                "action": "create",
                "configurations": [],
                "deliveryTime": "",
                "duration": [pricing.duration for pricing in sorted(pricings, key=lambda pricing: pricing.months)],
                "offerId": domain_offer_id(answer.plan.plan_code, mode),
                "orderable": answer.available,
                "phase": "normal",
                "prices": [
                    {"label": "PRICE", "price": price(first.price, currency, language)},
                    {"label": "FEE", "price": price(first.installation_fee, currency, language)},
                    {"label": "RENEW", "price": price(first.price, currency, language)},
                    {"label": "TOTAL", "price": price(first.price + first.installation_fee, currency, language)},
                ],
                "pricingMode": mode,
                "productId": Family.DOMAIN.value,
                "quantityMax": 1,
            }
        )
    return offers


def offer_prices(pricing: Pricing, currency: str, language: str) -> list[dict]:
    """A pricing as the cart's GenericProductDefinition prices: its installation (if any) and its rental."""
    plan_name = pricing.plan.name(language)
    entries = []
    if pricing.installation_fee > 0:
        entries.append(
            {
                "capacities": ["installation"],
                "description": _("Installation fee – %(name)s") % {"name": plan_name},
                "duration": "P0D",
                "interval": 0,
                "minimumQuantity": 1,
                "maximumQuantity": MAX_QUANTITY,
                "minimumRepeat": 1,
                "maximumRepeat": 1,
                "price": (fee := price(pricing.installation_fee, currency, language)),
                "priceInUcents": fee["priceInUcents"],
                "pricingMode": pricing.pricing_mode,
                "pricingType": "purchase",
            }
        )
    entries.append(
        {
            "capacities": ["renew"],
            "description": _("Rental for %(count)d month(s)") % {"count": pricing.months},
            "duration": pricing.duration,
            "interval": pricing.months,
            "minimumQuantity": 1,
            "maximumQuantity": MAX_QUANTITY,
            "minimumRepeat": 1,
            "maximumRepeat": None,
            "price": (rental := price(pricing.price, currency, language)),
            "priceInUcents": rental["priceInUcents"],
            "pricingMode": pricing.pricing_mode,
            "pricingType": "rental",
        }
    )
    return entries


def offers_json(pricings: list[Pricing], subsidiary: Subsidiary, language: str) -> list[dict]:
    """GenericProductDefinition[]: one per plan, with every pricing of it in the subsidiary."""
    plans: dict[int, dict] = {}
    for pricing in pricings:
        plan = pricing.plan
        entry = plans.setdefault(
            plan.pk,
            {
                "planCode": plan.plan_code,
                "productName": plan.name(language),
                "productType": "cloud_service",
                "prices": [],
            },
        )
        entry["prices"].extend(offer_prices(pricing, subsidiary.currency, language))
    return list(plans.values())


def option_offers_json(options: list[PlanOption], subsidiary: Subsidiary, language: str) -> list[dict]:
    """GenericOptionDefinition[]: a plan's options, each as an offer with its addon family's rules."""
    return [
        {
            "planCode": option.addon.option.plan_code,
            "productName": option.addon.option.name(language),
            "productType": "cloud_service",
            "family": option.addon.family,
            "mandatory": option.addon.mandatory,
            "exclusive": option.addon.exclusive,
            "prices": [entry for p in option.pricings for entry in offer_prices(p, subsidiary.currency, language)],
        }
        for option in options
    ]


# --- quotes and placed orders (order.Order) -----------------------------------------------------------------

CONTRACT_KEYS = (
    "withdrawal_information",
    "withdrawal_form",
    "refund_terms",
    "scope",
    "consent_information_given",
    "consent_express_request",
)
EXCLUDABLE_CONTRACT_KEYS = ("consent_excludable_ack",)


def contract_names() -> dict:
    return {
        "withdrawal_information": _("Right of withdrawal: information"),
        "withdrawal_form": _("Model withdrawal form"),
        "refund_terms": _("Refunds after withdrawal"),
        "scope": _("Where these withdrawal rules apply"),
        "consent_information_given": _("Withdrawal information given before ordering"),
        "consent_express_request": _("Request to start the services during the withdrawal period"),
        "consent_excludable_ack": _("Domain names and SSL certificates: loss of the right of withdrawal"),
    }


def contracts_json(language: str, *, excludable: bool, seller: Subsidiary) -> list[dict]:
    """The texts the customer agrees to, naming the seller: the subsidiary of the cart or order."""
    keys = CONTRACT_KEYS + (EXCLUDABLE_CONTRACT_KEYS if excludable else ())
    names = contract_names()
    query = f"?language={language[:2]}&subsidiary={seller.code}"
    return [
        {
            "name": str(names[key]),
            "url": absolute(reverse("api_panel:contract", args=[key])) + query,
            "content": legal_text(key, language, seller),
        }
        for key in keys
    ]


def quote_json(
    quote: Quote,
    items: list[CartItem],
    language: str,
    *,
    contracts: bool,
    order: Order | None = None,
) -> dict:
    currency = quote.currency
    item_ids = {group: item.pk for group, item in enumerate(items, start=1)}
    excludable = any(item.pricing.plan.excludable for item in items)
    return {
        "orderId": order.pk if order else None,
        "url": absolute(reverse("orders:purchase_order", args=[order.pk])) if order else None,
        "prices": {
            "withoutTax": price(quote.total_net, currency, language),
            "withTax": price(quote.total_gross, currency, language),
            "tax": price(quote.total_vat, currency, language),
            "originalWithoutTax": price(quote.total_net + quote.total_reduction, currency, language),
            "reduction": price(quote.total_reduction, currency, language),
        },
        "details": [
            {
                "cartItemID": item_ids.get(line.group),
                "description": line.description,
                "detailType": line.kind,
                "domain": line.domain or "*",
                "quantity": line.quantity,
                "unitPrice": price(line.unit_price, currency, language),
                "totalPrice": price(line.net_total, currency, language),
                "originalTotalPrice": price(line.unit_price * line.quantity, currency, language),
                "reductionTotalPrice": price(line.reduction, currency, language),
                "reductions": [],
            }
            for line in quote.lines
        ],
        "contracts": contracts_json(language, excludable=excludable, seller=quote.subsidiary) if contracts else [],
    }


def placed_order_json(order: Order, language: str) -> dict:
    """POST /checkout's answer: the purchase order with its number, URL, prices, lines and contracts."""
    currency = order.currency
    lines = list(order.lines.select_related("plan"))
    return {
        "orderId": order.pk,
        "url": absolute(reverse("orders:purchase_order", args=[order.pk])),
        "prices": {
            "withoutTax": price(order.total_net, currency, language),
            "withTax": price(order.total_gross, currency, language),
            "tax": price(order.total_vat, currency, language),
            "originalWithoutTax": price(order.total_net + order.total_reduction, currency, language),
            "reduction": price(order.total_reduction, currency, language),
        },
        "details": [
            {
                "cartItemID": None,
                "description": line.description,
                "detailType": line.kind,
                "domain": line.domain or "*",
                "quantity": line.quantity,
                "unitPrice": price(line.unit_price, currency, language),
                "totalPrice": price(line.net_total, currency, language),
                "originalTotalPrice": price(line.unit_price * line.quantity, currency, language),
                "reductionTotalPrice": price(line.reduction, currency, language),
                "reductions": [],
            }
            for line in lines
        ],
        "contracts": contracts_json(
            language, excludable=any(line.plan.excludable for line in lines), seller=order.subsidiary
        ),
    }
