"""Settings, read from the environment.

Without any environment the panel runs on the embedded default: SQLite files and kombu's
filesystem broker under var/. Set DATABASE_URL (PostgreSQL) and REDIS_URL for production-like runs.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "controlpanel.apps.StaffAdminConfig",  # django.contrib.admin with a site that wants TOTP from staff
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "controlpanel.apps.ControlPanelConfig",
    "core",
    "payments",
    "accounts",
    "catalog",
    "orders",
    "api",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Before any view (CSRF's included) reads the body; inside the others, so its 413 page is a normal page.
    "controlpanel.limits.RequestSizeLimitMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into the locked-out page
]

# The default cache is Django's, in the process, unless the production settings put it in Redis. The layout's parts
# that change with the language alone ({% cache %} blocks of templates/base.html) stay in each process whatever the
# default: they change only with the code, and reading them from Redis would cost what they save.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template-fragments",
    },
}

# Django's database sessions, each read with its user in one statement (core/sessions), in production too: a
# session read from Redis cost a round trip as the database's does, and the user's statement another.
SESSION_ENGINE = "core.sessions.db"

ROOT_URLCONF = "controlpanel.urls"
WSGI_APPLICATION = "controlpanel.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Every template's {% url %} is core/url_tag.py's: Django's tag, its paths reversed once per process; its
            # translation tags are core/translation_tags.py's (Django's, constant messages rendered once), without
            # {% load i18n %}.
            "builtins": ["core.url_tag", "core.translation_tags"],
        },
    },
]


def _sqlite(path: Path, test_path: Path) -> dict:
    """SQLite tuned for a web server, a worker and beat sharing one file."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        # A file, not memory, so that a Celery worker started by the tests sees the same data.
        "TEST": {"NAME": str(test_path)},
    }


def _prepared_statements() -> dict:
    """psycopg prepares a statement on a connection once it has run DB_PREPARE_THRESHOLD times there (default 5).

    Parsing and planning cost PostgreSQL about as much as running the short queries of a page or a task
    (docs/performance.md). Prepared statements need the parameters bound by the server, and a connection of
    its own for each client: DB_PREPARE_THRESHOLD=off restores Django's defaults (client-side binding, never
    prepared), e.g. behind PgBouncer in transaction mode.
    """
    threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5")
    if threshold == "off":
        return {}
    return {"server_side_binding": True, "prepare_threshold": int(threshold)}


def _database(url_env: str, sqlite_name: str) -> dict:
    url = os.environ.get(url_env)
    if url:
        config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))
        if config["ENGINE"] == "django.db.backends.postgresql":
            config["ENGINE"] = "core.postgresql"  # Django's, with a health check that costs no round trip
            config.setdefault("OPTIONS", {}).update(_prepared_statements())
        elif config["ENGINE"] == "django.db.backends.sqlite3" and config["NAME"] not in ("", ":memory:"):
            # A SQLite file named by URL gets the default file's tuning: without WAL, IMMEDIATE transactions and a
            # busy timeout, the web server, worker and beat answer "database is locked" to each other.
            path = Path(config["NAME"])
            config.update(_sqlite(path, path.with_name(f"test_{path.name}")))
        return config
    return _sqlite(VAR_DIR / f"{sqlite_name}.sqlite3", VAR_DIR / f"test_{sqlite_name}.sqlite3")


DATABASES = {
    "default": _database("DATABASE_URL", "db"),
    # The sandbox payment gateway keeps its own ledger, as a real provider would.
    "sandbox": _database("SANDBOX_DATABASE_URL", "sandbox"),
}
# DJANGO_TEST_DATABASES=1: open the databases pytest-django created for a test run (each alias's
# TEST NAME, else "test_" + NAME, as Django names them). Set only by tests/conftest.py for the
# Celery worker it starts, so that the worker sees the test data; never set it otherwise.
if env_bool("DJANGO_TEST_DATABASES", False):
    for _db in DATABASES.values():
        _db["NAME"] = (_db.get("TEST") or {}).get("NAME") or f"test_{_db['NAME']}"
DATABASE_ROUTERS = ["payments.router.SandboxRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- Login lockout (django-axes) and two-factor authentication for staff (django-otp) -------------
# Every password check goes through django.contrib.auth.authenticate(): the panel's login page (which
# is also the way in to validate an API consumer key), the admin's, and the staff TOTP page (accounts/
# two_factor.py reports wrong codes the same way). LOGIN_FAILURE_LIMIT failures for one username from
# one client IP lock that pair for LOGIN_LOCKOUT_MINUTES; a success resets the count. The withdrawal
# without a session (/orders/withdraw/) never authenticates, so a lockout never blocks it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out (username, IP) pairs, correct password or not
    "accounts.backends.PanelBackend",  # logs in; loads each request's user by a statement written once
    "django.contrib.auth.backends.ModelBackend",  # loads the users of sessions made before PanelBackend existed
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the lockout ends LOGIN_LOCKOUT_MINUTES after it began
AXES_DISABLE_ACCESS_LOG = True  # failures are kept (until the lockout expires), not a history of every login
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.lockout_client_ip"
# Behind a proxy, the request.META key holding the client IP it adds (e.g. HTTP_X_FORWARDED_FOR; its last
# address is used). Only set it when the proxy overwrites or appends that header: clients can forge it.
# One setting (core.client_ip) for the login lockout and every rate limit.
CLIENT_IP_META = os.environ.get("CLIENT_IP_META", "")
# Sign-ups and "send a new confirmation link" per client IP and hour: each one sends an email.
EMAIL_FORMS_PER_HOUR = int(os.environ.get("EMAIL_FORMS_PER_HOUR", "10"))
# Staff need a verified TOTP device for the admin; on by default unless DEBUG (the demo's vera/finn/admin).
STAFF_2FA = env_bool("STAFF_2FA", not DEBUG)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Control panel")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret key

# --- Request and upload limits (the supporting documents have their own per-file rules) -----------
# Requests declaring a larger body are refused with 413 before anything reads it (CSRF included).
REQUEST_MAX_BODY_SIZE = int(os.environ.get("REQUEST_MAX_BODY_SIZE", str(60 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(2 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", str(2 * 1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing one before collectstatic ran
MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))

# Without EMAIL_BACKEND, emails are written as files under VAR_DIR/mail (the demo's one-time links are there).
EMAIL_BACKEND_PATH = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": {"file_path": str(VAR_DIR / "mail")}
        if EMAIL_BACKEND_PATH.endswith("filebased.EmailBackend")
        else {},
    },
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "orders@controlpanel.example")

# --- Celery -------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    for sub in ("out", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Without it kombu writes its exchange table to ./control, wherever the process started.
        "control_folder": str(BROKER_DIR / "control"),
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Celery would drop the root logger's handlers and the "celery" logger's for its own plain-text ones: with
# LOGGING set (production's JSON lines) it keeps them; without, it still adds its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery closes every database connection before and after each task unless told to reuse them: a new
# PostgreSQL connection per alias and task cost more than the task. Reused here (closed after every 1000
# tasks); controlpanel/celery.py still drops a broken one, or one older than CONN_MAX_AGE, around each task.
CELERY_DB_REUSE_MAX = 1000
# Monitoring (orders/monitoring.py: `manage.py check_workers`, /health/workers): beat's heartbeat task
# runs every HEARTBEAT_INTERVAL_SECONDS and is discarded if no worker takes it within one interval; the
# check alerts when the last one is older than HEARTBEAT_STALE_SECONDS, when more than QUEUE_DEPTH_ALERT
# tasks wait in the broker, and about unpaid refunds due within REFUND_ALERT_HOURS while either holds.
HEARTBEAT_INTERVAL_SECONDS = int(os.environ.get("HEARTBEAT_INTERVAL_SECONDS", "60"))
HEARTBEAT_STALE_SECONDS = int(os.environ.get("HEARTBEAT_STALE_SECONDS", str(5 * HEARTBEAT_INTERVAL_SECONDS)))
QUEUE_DEPTH_ALERT = int(os.environ.get("QUEUE_DEPTH_ALERT", "1000"))
REFUND_ALERT_HOURS = int(os.environ.get("REFUND_ALERT_HOURS", "48"))
# How often beat runs the expiry sweep; the beat test sets a few seconds rather than wait a minute.
EXPIRY_SWEEP_SECONDS = int(os.environ.get("EXPIRY_SWEEP_SECONDS", "60"))
# The database is the truth: every sweep is idempotent and re-finds its work, so a lost
# message or a missed beat costs a delay, never a result.
CELERY_BEAT_SCHEDULE = {
    "beat-heartbeat": {
        "task": "orders.tasks.beat_heartbeat",
        "schedule": timedelta(seconds=HEARTBEAT_INTERVAL_SECONDS),
        "options": {"expires": HEARTBEAT_INTERVAL_SECONDS},
    },
    "expire-unpaid-orders": {
        "task": "orders.tasks.expire_unpaid_orders",
        "schedule": timedelta(seconds=EXPIRY_SWEEP_SECONDS),
    },
    "settle-pending-payments": {"task": "orders.tasks.settle_pending_payments", "schedule": timedelta(minutes=5)},
    "recover-deliveries": {"task": "orders.tasks.recover_deliveries", "schedule": timedelta(minutes=2)},
    "expire-carts": {"task": "orders.tasks.delete_expired_carts", "schedule": crontab(minute=17)},
    "recover-refunds": {"task": "orders.tasks.recover_refunds", "schedule": timedelta(minutes=5)},
    "resend-pending-emails": {"task": "core.tasks.resend_pending_emails", "schedule": timedelta(minutes=5)},
    "recover-invoices": {"task": "orders.tasks.recover_invoices", "schedule": timedelta(minutes=5)},
    "send-expiry-reminders": {"task": "orders.tasks.send_expiry_reminders", "schedule": timedelta(minutes=15)},
    "refuse-cases-without-documents": {
        "task": "orders.tasks.refuse_cases_without_documents",
        "schedule": timedelta(minutes=30),
    },
    "delete-old-supporting-documents": {
        "task": "orders.tasks.delete_old_supporting_documents",
        "schedule": crontab(minute=43, hour=3),
    },
    "create-renewals": {"task": "orders.tasks.create_renewals", "schedule": crontab(minute=7)},
    "suspend-and-delete-services": {
        "task": "orders.tasks.suspend_and_delete_services",
        "schedule": timedelta(minutes=30),
    },
    "send-validation-alerts": {"task": "orders.tasks.send_validation_alerts", "schedule": timedelta(minutes=15)},
    "delete-old-evidence": {"task": "orders.tasks.delete_old_evidence", "schedule": crontab(minute=51, hour=3)},
    "delete-old-pdfs": {"task": "orders.tasks.delete_old_pdfs", "schedule": crontab(minute=37, hour=4)},
    "delete-expired-sessions": {"task": "core.tasks.delete_expired_sessions", "schedule": crontab(minute=29, hour=4)},
}

# --- Business defaults (design.md section 3), overridable -------------------------------------
ORDER_VALIDITY_DAYS = int(os.environ.get("ORDER_VALIDITY_DAYS", "7"))
ORDER_EXPIRY_REMINDER_DAYS = int(os.environ.get("ORDER_EXPIRY_REMINDER_DAYS", "2"))
PAYMENT_HOLD_DAYS = 5
CART_VALIDITY_DAYS = int(os.environ.get("CART_VALIDITY_DAYS", "1"))
VALIDATION_DUE_WORKING_DAYS = 2
DOCUMENTS_DUE_WORKING_DAYS = 10
# Besides the superusers, who hears of an overdue validation case (comma-separated addresses).
VALIDATION_ESCALATION_EMAILS = [
    a.strip() for a in os.environ.get("VALIDATION_ESCALATION_EMAILS", "").split(",") if a.strip()
]
RISK_THRESHOLDS = {
    "EUR": 500,
    "GBP": 500,
    "USD": 500,
    "CAD": 500,
    "PLN": 2000,
    "TND": 1500,
    "XOF": 300000,
}
ORDER_LIST_PAGE_SIZE = 10
TRACKING_REFRESH_SECONDS = 15
# How long a rendered tracking page or purchase order stays in the cache (orders.views.page_cache): its key
# changes with everything it shows, so this only bounds the memory and a previous release's layout.
ORDER_PAGE_CACHE_SECONDS = int(os.environ.get("ORDER_PAGE_CACHE_SECONDS", "600"))
# How many bytes of kept pages each process also holds in its memory when the default cache is shared (Redis),
# the least recently used dropped first (orders.views.kept_pages): about 300 to 500 pages in 4 MiB. 0: none.
ORDER_PAGE_PROCESS_BYTES = int(os.environ.get("ORDER_PAGE_PROCESS_BYTES", str(4 * 1024 * 1024)))
SANDBOX_DELIVERY_SECONDS = int(os.environ.get("SANDBOX_DELIVERY_SECONDS", "30"))
PROVISIONER = os.environ.get("PROVISIONER", "orders.provisioning.SandboxProvisioner")
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "payments.sandbox.SandboxGateway")
SANDBOX_SEPA_SETTLE_DAYS = 3
RENEWAL_LEAD_DAYS = 14
SERVICE_DELETION_DAYS = int(os.environ.get("SERVICE_DELETION_DAYS", "30"))
EVIDENCE_RETENTION_DAYS = 5 * 365

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
