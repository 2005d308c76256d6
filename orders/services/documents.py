"""Numbered documents: gapless numbers per subsidiary, and the credit note (or refund statement) of each paid
refund."""

from datetime import datetime

from django.db import connection, transaction

from accounts.models import Subsidiary

from ..documents import seller_details
from ..models import CreditNote, DocumentSequence, Invoice, OrderLine, Refund, WithdrawalLine

PREFIXES = {"credit_note": "CN", "invoice": "IN", "statement": "RS"}
# The sequence of each kind of credit document (DocumentSequence.kind holds 12 characters).
SEQUENCES = {CreditNote.Kind.CREDIT_NOTE: "credit_note", CreditNote.Kind.REFUND_STATEMENT: "statement"}


def next_number(*, subsidiary_id: str, kind: str) -> str:
    """The next number of `kind` in a subsidiary; must run in the transaction that stores the document.

    One upsert (PostgreSQL and SQLite alike) creates or increments the sequence row and keeps it
    locked (PostgreSQL row lock, SQLite IMMEDIATE write lock) until commit; a rolled back document
    rolls its number back too: no gaps, no duplicates.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Numbers are taken inside the transaction that stores the document.")
    table = connection.ops.quote_name(DocumentSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (subsidiary_id, kind, last_number) VALUES (%s, %s, 1)"
            f" ON CONFLICT (subsidiary_id, kind) DO UPDATE SET last_number = {table}.last_number + 1"
            " RETURNING last_number",
            [subsidiary_id, kind],
        )
        (number,) = cursor.fetchone()
    return f"{PREFIXES[kind]}-{subsidiary_id}-{number:07d}"


# A withdrawal's lines with their order lines' descriptions, in the purchase order's sequence.
CREDIT_LINES_SQL = (
    f"SELECT w.id, w.amount, w.vat_amount, line.description FROM {WithdrawalLine._meta.db_table} w"
    f" JOIN {OrderLine._meta.db_table} line ON line.id = w.line_id"
    ' WHERE w.withdrawal_id = %s ORDER BY line."group", line.kind'
)


def _credit_lines(refund: Refund, *, credits_vat: bool) -> list[dict]:
    """Each withdrawn line, or one line for the whole refund whose words (its cause) the document gives in
    its reader's language; without VAT for money never invoiced."""
    if refund.withdrawal_id:
        lines = WithdrawalLine.objects.raw(CREDIT_LINES_SQL, [refund.withdrawal_id])
        return [
            {
                "description": line.description,
                "amount": str(line.amount),
                "vat_amount": str(line.vat_amount if credits_vat else 0),
            }
            for line in lines
        ]
    vat = refund.vat_amount if credits_vat else 0
    return [{"cause": refund.cause, "amount": str(refund.amount), "vat_amount": str(vat)}]


def credit_note_issue(*, refund: Refund, subsidiary_id: str, now: datetime) -> CreditNote:
    """The credit note of a refund, issued in the transaction that marks it paid, which happens once; a refund
    of money never invoiced gets a refund statement, which credits no VAT (design.md §2).

    The unique constraint on `refund` backs this: a second issue fails, and its rollback gives the
    number back. The lines are read before the number, so the sequence stays locked for one INSERT.
    """
    invoice = Invoice.objects.filter(order_id=refund.order_id).first()
    kind = CreditNote.Kind.CREDIT_NOTE if invoice else CreditNote.Kind.REFUND_STATEMENT
    lines = _credit_lines(refund, credits_vat=invoice is not None)
    seller = seller_details(Subsidiary.objects.get(pk=subsidiary_id))
    return CreditNote.objects.create(
        refund=refund,
        subsidiary_id=subsidiary_id,
        kind=kind,
        invoice=invoice,
        seller=seller,
        number=next_number(subsidiary_id=subsidiary_id, kind=SEQUENCES[kind]),
        issued_at=now,
        currency=refund.currency,
        amount=refund.amount,
        vat_amount=refund.vat_amount if invoice else 0,
        lines=lines,
    )
