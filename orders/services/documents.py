"""Numbered documents: gapless numbers per subsidiary, and the credit note of each paid refund."""

from datetime import datetime

from django.db import transaction

from ..models import CreditNote, DocumentSequence, Refund

PREFIXES = {"credit_note": "CN", "invoice": "IN"}


def next_number(*, subsidiary_id: str, kind: str) -> str:
    """The next number of `kind` in a subsidiary; must run in the transaction that stores the document.

    The sequence row is locked (PostgreSQL) or the write lock taken (SQLite IMMEDIATE), and a rolled
    back document rolls its number back too: no gaps, no duplicates.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Numbers are taken inside the transaction that stores the document.")
    DocumentSequence.objects.get_or_create(subsidiary_id=subsidiary_id, kind=kind)
    sequence = DocumentSequence.objects.select_for_update().get(subsidiary_id=subsidiary_id, kind=kind)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{PREFIXES[kind]}-{subsidiary_id}-{sequence.last_number:07d}"


def _credit_lines(refund: Refund) -> list[dict]:
    if refund.withdrawal_id:
        return [
            {"description": w.line.description, "amount": str(w.amount), "vat_amount": str(w.vat_amount)}
            for w in refund.withdrawal.lines.select_related("line").order_by("line__group", "line__kind")
        ]
    return [
        {"description": refund.get_cause_display(), "amount": str(refund.amount), "vat_amount": str(refund.vat_amount)}
    ]


def credit_note_issue(*, refund: Refund, now: datetime) -> CreditNote:
    """One credit note per paid refund (a unique constraint), numbered in the same transaction."""
    existing = CreditNote.objects.filter(refund=refund).first()
    if existing:
        return existing
    subsidiary_id = refund.order.subsidiary_id
    return CreditNote.objects.create(
        refund=refund,
        subsidiary_id=subsidiary_id,
        number=next_number(subsidiary_id=subsidiary_id, kind="credit_note"),
        issued_at=now,
        currency=refund.currency,
        amount=refund.amount,
        vat_amount=refund.vat_amount,
        lines=_credit_lines(refund),
    )
