"""What the purchase order, the invoice and the credit note say besides their figures (design.md §2,
art. 226 of Directive 2006/112/EC): the seller, the tax as its country names it, and the mentions the
law asks for. Views build their context from here; the wording is in orders.legal.
"""

from decimal import Decimal

from django.utils.translation import get_language

from accounts.models import LegalForm, Subsidiary
from core.vat import NoVatReason, no_vat_reason, tax_name

from .legal import legal_text

# What a document shows of its seller; invoices and credit notes keep a copy as issued.
SELLER_FIELDS = (
    "country",
    "legal_name",
    "address",
    "vat_number",
    "registration",
    "share_capital",
    "contact_email",
    "contact_phone",
)

NO_VAT_MENTIONS = {
    NoVatReason.REVERSE_CHARGE: "mention_reverse_charge",
    NoVatReason.OUTSIDE_EU: "mention_outside_eu_vat",
    NoVatReason.SALES_TAX_NOT_COLLECTED: "mention_sales_tax_not_collected",
}


def seller_details(subsidiary: Subsidiary) -> dict[str, str]:
    """The subsidiary as the seller named on a document."""
    return {field: getattr(subsidiary, field) for field in SELLER_FIELDS}


def tax_label(seller: dict) -> str:
    return tax_name(seller.get("country", ""))


def is_french_business(seller: dict, billing: dict) -> bool:
    """A business customer of the French subsidiary: its invoices state the late-payment terms (L441-10)."""
    return seller.get("country") == "FR" and billing.get("legal_form", LegalForm.INDIVIDUAL) != LegalForm.INDIVIDUAL


def mentions(
    *, seller: dict, billing: dict, reverse_charge: bool, vat: Decimal, language: str, invoice: bool
) -> list[str]:
    """The legal mentions of a document, in `language`: why no VAT is charged (when none is), and on an
    invoice to a French business the late-payment penalties and the €40 indemnity."""
    texts = []
    reason = no_vat_reason(
        subsidiary_country=seller.get("country", ""),
        billing_country=billing.get("country", ""),
        reverse_charge=reverse_charge,
    )
    # An order placed before the outside-EU rule was charged VAT: its documents keep saying what it paid.
    if reason and (reason == NoVatReason.REVERSE_CHARGE or not vat):
        texts.append(legal_text(NO_VAT_MENTIONS[reason], language))
    if invoice and is_french_business(seller, billing):
        texts.append(legal_text("mention_late_payment_fr", language))
    return texts


def seller_context(*, seller: dict, billing: dict, reverse_charge: bool, vat: Decimal, invoice: bool) -> dict:
    """A document template's `seller`, `tax` and `mentions`, in the active language."""
    language = get_language() or "en"
    texts = mentions(
        seller=seller, billing=billing, reverse_charge=reverse_charge, vat=vat, language=language, invoice=invoice
    )
    return {"seller": seller, "tax": tax_label(seller), "mentions": texts}
