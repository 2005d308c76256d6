"""ISO 11649 structured creditor references ("RF" + 2 check digits + up to 21 letters or digits).

A payer's bank keeps the reference with the transfer, and its check digits catch a mistyped one
before finance matches the money to the wrong order.
"""

MAX_PART = 21


def _numeric(text: str) -> int:
    """Letters as numbers (A = 10 … Z = 35), digits as themselves, read as one integer (the mod 97 of ISO 7064)."""
    return int("".join(str(int(char, 36)) for char in text))


def creditor_reference(part: str) -> str:
    """The reference for `part` (1 to 21 letters or digits), e.g. "539007547034" → "RF18539007547034"."""
    part = part.upper()
    if not (1 <= len(part) <= MAX_PART and part.isascii() and part.isalnum()):
        raise ValueError("A creditor reference carries 1 to 21 letters or digits.")
    return f"RF{98 - _numeric(part + 'RF00') % 97:02d}{part}"


def parse_creditor_reference(value) -> str | None:
    """The reference's own part if `value` is a valid one (spaces and case ignored), else None."""
    reference = "".join(str(value or "").split()).upper()
    part = reference[4:]
    if not (reference.startswith("RF") and reference[2:4].isdigit() and 1 <= len(part) <= MAX_PART):
        return None
    if not (part.isascii() and part.isalnum()) or _numeric(part + reference[:4]) % 97 != 1:
        return None
    return part
