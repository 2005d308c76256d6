"""Production settings: the base settings plus HTTPS-only, hardened overrides, all read from the environment.

Run with DJANGO_SETTINGS_MODULE=controlpanel.settings_production. Required: SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL (PostgreSQL), PUBLIC_BASE_URL (https://...); a missing one stops the process at import
with a message naming it. See README.md, "Production".
"""

import os

from django.core.exceptions import ImproperlyConfigured


def require_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in the environment for controlpanel.settings_production")
    return value


for _name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "PUBLIC_BASE_URL"):
    require_env(_name)

from .settings import *  # noqa: E402,F403
from .settings import DATABASES, MEDIA_ROOT, MIDDLEWARE, PUBLIC_BASE_URL, env_bool  # noqa: E402

DEBUG = False
SECRET_KEY = require_env("SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in require_env("ALLOWED_HOSTS").split(",") if h.strip()]
if not PUBLIC_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be an https:// URL in production")
CSRF_TRUSTED_ORIGINS = [PUBLIC_BASE_URL.rstrip("/")]

# --- HTTPS behind a TLS-terminating proxy, which must set X-Forwarded-Proto (and strip it from clients)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$"]  # probes from the load balancer may come over plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
MIDDLEWARE = [*MIDDLEWARE, "controlpanel.middleware.PermissionsPolicyMiddleware"]
# SECURE_CSP (with nonces) comes from the base settings.

# --- Static files: WhiteNoise, compressed and hashed (run `manage.py collectstatic` at deploy time).
# Uploaded documents stay on the private MEDIA_ROOT, never served by the web server.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(MEDIA_ROOT)}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Database: persistent connections, no pool. With gunicorn sync workers each web worker (and each
# Celery worker process) holds at most one connection per database alias, kept CONN_MAX_AGE seconds and
# checked before reuse. Connections ≈ (web workers + worker processes + beat) × aliases on PostgreSQL:
# keep that well below max_connections (100 by default), e.g. 2 machines × (4 web + 2 worker) + 1 beat = 13.
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "60"))
for _db in DATABASES.values():
    if _db["ENGINE"] != "django.db.backends.sqlite3":
        _db["CONN_MAX_AGE"] = CONN_MAX_AGE
        _db["CONN_HEALTH_CHECKS"] = True

# --- Uploads: request bodies above these are refused or streamed to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(2 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", str(2 * 1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# --- Mail through SMTP (Django 6.1 MAILERS; the EMAIL_* names below are environment variables only).
_use_ssl = env_bool("EMAIL_USE_SSL", False)
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "465" if _use_ssl else "587")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", not _use_ssl),
            "use_ssl": _use_ssl,
            "timeout": int(os.environ.get("EMAIL_TIMEOUT", "20")),
        },
    },
}
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", os.environ.get("DEFAULT_FROM_EMAIL", "orders@controlpanel.example"))

# --- Logs: one JSON object per line on stdout.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "controlpanel.logging.JSONFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "celery": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "weasyprint": {"level": "WARNING"},  # its INFO is a line per rendering step
        "fontTools": {"level": "WARNING"},
    },
}
