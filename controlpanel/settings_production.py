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
from .settings import CACHES, DATABASES, MEDIA_ROOT, MIDDLEWARE, PUBLIC_BASE_URL, REDIS_URL, env_bool  # noqa: E402

DEBUG = False
SECRET_KEY = require_env("SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in require_env("ALLOWED_HOSTS").split(",") if h.strip()]
if not PUBLIC_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be an https:// URL in production")
CSRF_TRUSTED_ORIGINS = [PUBLIC_BASE_URL.rstrip("/")]
STAFF_2FA = env_bool("STAFF_2FA", True)  # staff need a TOTP code for the admin (accounts/two_factor.py)

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
MIDDLEWARE = ["controlpanel.middleware.PermissionsPolicyMiddleware", *MIDDLEWARE]  # outermost: on every response
# SECURE_CSP (with nonces) comes from the base settings.

# --- Static files: WhiteNoise, compressed and hashed (run `manage.py collectstatic` at deploy time), each
# file's URL computed once per process (core/static_storage.py).
# Uploaded documents stay on the private MEDIA_ROOT, never served by the web server.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(MEDIA_ROOT)}},
    "staticfiles": {"BACKEND": "core.static_storage.ManifestStaticFilesStorage"},
}

# --- Database: one persistent connection per process and PostgreSQL alias (CONN_MAX_AGE, 60 s), checked
# before each request reuses it (CONN_HEALTH_CHECKS). A sync gunicorn worker and a Celery prefork child
# each serve one thing at a time, so one connection is all they use. DB_POOL_MAX_SIZE=N gives each process
# a psycopg pool of N instead (Django's OPTIONS["pool"]; for `gunicorn --threads N`): a request then waits
# up to DB_POOL_TIMEOUT seconds for a free connection. The pool is off by default because lending costs: a
# pooled connection is checked and configured again for every request (measured: the tracking page served
# a fifth fewer requests per second with it, docs/performance.md).
# Sizing: per PostgreSQL server, aliases × (web processes × connections per web process + Celery worker
# processes) must stay below max_connections (100 by default) minus what else connects (superusers, psql,
# backups): e.g. 2 machines × 4 gunicorn workers + 2 machines × 2 worker processes = 12 per alias (beat:
# none). `manage.py check --database default` (run by migrate too) warns when WEB_CONCURRENCY,
# DB_POOL_MAX_SIZE, CELERY_WORKER_PROCESSES and the server's max_connections (or DB_MAX_CONNECTIONS) do
# not fit (controlpanel/checks.py).
DB_POOL_MIN_SIZE = int(os.environ.get("DB_POOL_MIN_SIZE", "0"))
DB_POOL_MAX_SIZE = int(os.environ.get("DB_POOL_MAX_SIZE", "0"))
DB_POOL_TIMEOUT = float(os.environ.get("DB_POOL_TIMEOUT", "10"))
CONN_MAX_AGE = 0 if DB_POOL_MAX_SIZE else int(os.environ.get("CONN_MAX_AGE", "60"))
for _db in DATABASES.values():
    if _db["ENGINE"] != "django.db.backends.sqlite3":
        _db["CONN_MAX_AGE"] = CONN_MAX_AGE
        _db["CONN_HEALTH_CHECKS"] = True  # with a pool: psycopg_pool checks a connection before lending it
        # JIT compiles a query's expressions when its estimated cost is high, as the count of a customer with
        # 10 000 orders can be: ~30 ms more for a query that runs in a few. These short queries never gain from it.
        _db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
        if DB_POOL_MAX_SIZE:
            _db.setdefault("OPTIONS", {})["pool"] = {
                "min_size": min(DB_POOL_MIN_SIZE, DB_POOL_MAX_SIZE),
                "max_size": DB_POOL_MAX_SIZE,
                "timeout": DB_POOL_TIMEOUT,
            }

# --- Cache: Redis when REDIS_URL is set, so that the API's throttle counts across web machines
# (the login lockout is in the database). CACHE_URL gives it another Redis database than the broker's.
# A Redis outage never fails a request (controlpanel/redis_cache.py): reads miss, writes are dropped, each
# call waits at most CACHE_SOCKET_TIMEOUT seconds, and after a connection failure the process leaves Redis
# alone for CACHE_RETRY_SECONDS.
if REDIS_URL:
    CACHES = {
        **CACHES,
        "default": {
            "BACKEND": "controlpanel.redis_cache.RedisCache",
            "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "controlpanel",
            "OPTIONS": {
                "socket_timeout": float(os.environ.get("CACHE_SOCKET_TIMEOUT", "0.5")),
                "retry_after": float(os.environ.get("CACHE_RETRY_SECONDS", "5")),
            },
        },
    }

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
