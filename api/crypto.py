"""Application secrets encrypted at rest (Fernet).

The key is API_SECRET_ENCRYPTION_KEY (a Fernet key, from settings or the environment; several keys
separated by commas rotate: the first encrypts, any decrypts), else one derived from SECRET_KEY with
HKDF, so that a database dump alone does not reveal any secret.
"""

import base64
import os
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# Kept as it was when the API lived in orders/api: it derives the key of the secrets already stored.
HKDF_INFO = b"controlpanel/orders.api/application-secret/v1"


def derived_key(secret_key: str) -> bytes:
    """A Fernet key (urlsafe base64 of 32 bytes) derived from Django's SECRET_KEY."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw)


@cache
def _fernet(configured: str, secret_key: str) -> MultiFernet:
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    fernets = [Fernet(key) for key in keys] or [Fernet(derived_key(secret_key))]
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    configured = getattr(settings, "API_SECRET_ENCRYPTION_KEY", None) or os.environ.get("API_SECRET_ENCRYPTION_KEY", "")
    return _fernet(configured, settings.SECRET_KEY)


def encrypt_secret(secret: str) -> str:
    return fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str | None:
    """The secret, or None when it cannot be decrypted (wrong key: treated as an unknown application)."""
    try:
        return fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None
