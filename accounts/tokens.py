"""Signed email-confirmation tokens: valid 3 days, bound to the address, useless once it is confirmed.

The token carries no secret of its own: it is the account id and email address signed with SECRET_KEY
and a timestamp, so nothing needs storing and a changed address invalidates the links sent to the old one.
"""

from datetime import timedelta

from django.core import signing

CONFIRMATION_VALIDITY = timedelta(days=3)
_SALT = "accounts.email-confirmation"


def make_confirmation_token(*, account_id: int, email: str) -> str:
    return signing.TimestampSigner(salt=_SALT).sign_object({"id": account_id, "email": email}, compress=True)


def read_confirmation_token(token: str) -> tuple[int, str] | None:
    """(account id, email) of a genuine, unexpired token; None for anything else."""
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(token, max_age=CONFIRMATION_VALIDITY)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int) or not isinstance(data.get("email"), str):
        return None
    return data["id"], data["email"]
