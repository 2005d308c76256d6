"""IBAN checks (ISO 13616), shared by the sandbox gateway, the refund forms, the API and the models."""

# ISO 13616: at most 34 characters once spaces are removed (what the models store)…
IBAN_MAX_LENGTH = 34
# …and what a form or the API accepts: the same IBAN printed in groups of four, with a space between groups.
IBAN_INPUT_MAX_LENGTH = IBAN_MAX_LENGTH + (IBAN_MAX_LENGTH - 1) // 4


def normalise_iban(value) -> str | None:
    """The IBAN without spaces, upper-case, or None when it is not valid (mod 97 of the rearranged number is 1)."""
    iban = "".join(str(value or "").split()).upper()
    shape = (
        15 <= len(iban) <= IBAN_MAX_LENGTH
        and iban.isascii()
        and iban.isalnum()
        and iban[:2].isalpha()
        and iban[2:4].isdigit()
    )
    if not (shape and int("".join(str(int(c, 36)) for c in iban[4:] + iban[:4])) % 97 == 1):
        return None
    return iban


def masked_iban(iban: str) -> str:
    """What staff and the order's history show of an IBAN: its last four characters."""
    return f"•••• {iban[-4:]}" if iban else ""


def grouped(value: str) -> str:
    """An IBAN or a reference printed in groups of four characters, as banks print them."""
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
