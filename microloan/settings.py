"""Django settings for Microloan: everything that differs between machines comes from the env.

Variables (see README): ``DEBUG``, ``DATABASE_URL``, ``SECRET_KEY``, ``FIELD_ENCRYPTION_KEYS``,
``ALLOWED_HOSTS``, ``MICROLOAN_VAR_DIR``, ``INITIAL_BUSINESS_DATE``.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from microloan.production import (
    CONTRACT_SIGNING_VARIABLES,
    refuse_development_secret,
    refuse_development_signing_keys,
)

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("MICROLOAN_VAR_DIR", BASE_DIR.parent / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DEBUG", True)


def _local_secret(name: str, generate) -> str:
    """A development-only secret kept in ``var/`` so restarts keep sessions and keys."""
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(generate())
        path.chmod(0o600)
    return path.read_text().strip()


def _required_secret(env_name: str, file_name: str, generate) -> str:
    value = os.environ.get(env_name)
    if not DEBUG:
        # Set, and not a copy of the development secret generated into var/.
        return refuse_development_secret(env_name, value, VAR_DIR / file_name)
    return value or _local_secret(file_name, generate)


SECRET_KEY = _required_secret("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
# "id:base64key,id:base64key" — the last one encrypts, all of them decrypt (issue: customers).
FIELD_ENCRYPTION_KEYS = _required_secret(
    "FIELD_ENCRYPTION_KEYS",
    "field_encryption_keys",
    lambda: "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
)
# The key bank callbacks are signed with (HMAC-SHA256); see microloan/payments/conf.py.
PAYMENTS_CALLBACK_SECRET = _required_secret(
    "PAYMENTS_CALLBACK_SECRET", "payments_callback_secret", lambda: secrets.token_urlsafe(48)
)
# Audit trail (microloan/audit/anchors.py): MAC keys kept out of the database, "id:base64key,…"
# (the last one signs), and the append-only file the signed chain head is written to.
AUDIT_HMAC_KEY = _required_secret(
    "AUDIT_HMAC_KEY",
    "audit_hmac_key",
    lambda: "a1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
)
AUDIT_ANCHOR_FILE = os.environ.get("AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit" / "anchors.jsonl"))

# The contract seal (microloan/contracts/signing.py): PEM files of the platform's key, its
# certificate and the CA verifiers trust. Unset in development: keys are made in var/keys/.
CONTRACT_SIGNING_KEY = os.environ.get("CONTRACT_SIGNING_KEY", "")
CONTRACT_SIGNING_CERT = os.environ.get("CONTRACT_SIGNING_CERT", "")
CONTRACT_SIGNING_CA = os.environ.get("CONTRACT_SIGNING_CA", "")
if not DEBUG:
    refuse_development_signing_keys(
        {name: os.environ.get(name) for name in CONTRACT_SIGNING_VARIABLES},
        VAR_DIR / "keys" / "contracts",
    )

# Key of the HMAC blind index used to look up encrypted fields; empty = derived from the first
# field key (rotating it needs `microloan keys reindex`).
FIELD_BLIND_INDEX_KEY = os.environ.get("FIELD_BLIND_INDEX_KEY", "")

ALLOWED_HOSTS = [
    h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "microloan.kernel",
    "microloan.accounts",
    "microloan.audit",
    "microloan.api",
    "microloan.backoffice",
    "microloan.batch",
    "microloan.products",
    "microloan.ledger",
    "microloan.lending",
    "microloan.customers",
    "microloan.risk",
    "microloan.origination",
    "microloan.notifications",
    "microloan.contracts",
    "microloan.payments",
    "microloan.collections",
    "microloan.reports",
    "microloan.demo",
]

# Background work (notification delivery, payment status queries): django-tasks with its
# database backend, so a task is enqueued in the same transaction as the change that needs it.
# Workers: `microloan db_worker` (several are safe: rows are claimed with row locks).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "microloan.api.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "microloan.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "microloan.urls"
WSGI_APPLICATION = "microloan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'microloan.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers never deadlock upgrading a read lock; busy timeout waits instead of failing.
    # kernel.sqlite: Django's backend with the writers of a process queueing on a lock.
    DATABASES["default"]["ENGINE"] = "microloan.kernel.sqlite"
    # Tests in memory, Django's default, said out loud: pytest-django knows only Django's own
    # engine name to mean that.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
    }

if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and not DATABASES["default"]["CONN_MAX_AGE"]
    and os.environ.get("DB_POOL", "1") != "0"
):
    # Opening a PostgreSQL connection costs about 5 ms (4.7 ms measured on 127.0.0.1; a query
    # on an open one, 0.03 ms), and without persistent connections every request paid it; a
    # connection from the pool costs 0.3 ms. The pool keeps connections open, and with them the
    # statements psycopg has prepared on the server (it prepares a query a connection has run
    # ``prepare_threshold`` times, 5 by default).
    # DB_POOL=0 turns it off; DB_CONN_MAX_AGE (persistent connections) excludes it.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "pool": {
            "min_size": 1,
            "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "20")),
            "timeout": 20,
        },
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.StaffUser"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "backoffice:login"
LOGIN_REDIRECT_URL = "backoffice:home"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False  # HTMX reads it to send X-CSRFToken

# --- transport and browser security ----------------------------------------------------------
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients), say
# BEHIND_TLS_PROXY=1 so Django knows the request was HTTPS.
if _env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 86400)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# microloan.csp: everything from this origin; inline style attributes for the report charts.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# /api/v1/docs and /api/v1/openapi.json: open in development, staff sign-in otherwise.
API_DOCS_PUBLIC = _env_bool("API_DOCS_PUBLIC", DEBUG)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

# The business date a fresh installation starts on (end of day moves it forward).
INITIAL_BUSINESS_DATE = os.environ.get("INITIAL_BUSINESS_DATE", "2026-01-01")

# A staff-recorded bank receipt above this many yuan needs a second person's approval.
MANUAL_POSTING_APPROVAL_THRESHOLD = os.environ.get("MANUAL_POSTING_APPROVAL_THRESHOLD", "50000.00")

# Failed sign-ins of a username at one address, and of one address, before a lock of
# LOGIN_LOCKOUT_SECONDS that doubles with each further failure up to the max; a count is
# forgotten a window after its last failure's lock ended (accounts).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "60"))
LOGIN_LOCKOUT_MAX_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_MAX_SECONDS", "3600"))

# One-time SMS codes that verify a phone before registration or sign-in (customers): life,
# wrong answers allowed, resend cooldown, codes per phone per hour, requests per address.
PHONE_CODE_TTL_SECONDS = int(os.environ.get("PHONE_CODE_TTL_SECONDS", "300"))
PHONE_CODE_MAX_TRIES = int(os.environ.get("PHONE_CODE_MAX_TRIES", "5"))
PHONE_CODE_RESEND_SECONDS = int(os.environ.get("PHONE_CODE_RESEND_SECONDS", "60"))
PHONE_CODE_MAX_SENDS_PER_HOUR = int(os.environ.get("PHONE_CODE_MAX_SENDS_PER_HOUR", "5"))
PHONE_CODE_ADDRESS_LIMIT = int(os.environ.get("PHONE_CODE_ADDRESS_LIMIT", "20"))
PHONE_CODE_ADDRESS_WINDOW_SECONDS = int(os.environ.get("PHONE_CODE_ADDRESS_WINDOW_SECONDS", "3600"))

# Idempotency keys are kept at least this long (api).
IDEMPOTENCY_KEY_TTL_HOURS = int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "48"))
# Days after a promise's date in which a payment still keeps it (the bank's answer to
# the due date's auto-debit posts the next day).
COLLECTIONS_PROMISE_GRACE_DAYS = int(os.environ.get("COLLECTIONS_PROMISE_GRACE_DAYS", "1"))

# --- end of day (batch) -----------------------------------------------------------------------
# Active loans per id-range partition of an end-of-day run.
EOD_PARTITION_SIZE = int(os.environ.get("EOD_PARTITION_SIZE", "200000"))
# Loan loss allowance rates overriding batch.rules.PROVISION_RATES: {"normal": "0.01", …}.
EOD_PROVISION_RATES: dict[str, str] = {}

# --- risk -------------------------------------------------------------------------------------
# Dotted path of the identity provider class; empty: the built-in simulator.
RISK_IDENTITY_PROVIDER = os.environ.get("RISK_IDENTITY_PROVIDER", "")
# Business days the monthly post-loan line checks are spread over (1–20).
RISK_POSTLOAN_CYCLE_DAYS = int(os.environ.get("RISK_POSTLOAN_CYCLE_DAYS", "20"))

# --- contracts --------------------------------------------------------------------------------
# Where encrypted contract PDFs are kept; empty: <VAR_DIR>/contracts.
CONTRACT_STORAGE_DIR = os.environ.get("CONTRACT_STORAGE_DIR", "")
# How long a loan offer may be signed.
CONTRACT_OFFER_TTL_MINUTES = int(os.environ.get("CONTRACT_OFFER_TTL_MINUTES", "30"))
# The lender named in contracts: a name, or {language: name}; empty: the built-in names.
CONTRACT_LENDER_NAME: str | dict[str, str] = os.environ.get("CONTRACT_LENDER_NAME", "")

# --- payments (microloan/payments/conf.py says more) ------------------------------------------
# The channel orders go through.
PAYMENTS_CHANNEL = os.environ.get("PAYMENTS_CHANNEL", "simulator")
# Address of `microloan payments simulator`; empty: the simulated bank runs in-process.
PAYMENTS_SIMULATOR_URL = os.environ.get("PAYMENTS_SIMULATOR_URL", "")
# In-process simulator: "immediate" callbacks while sending, or "deferred" to the next sweep.
PAYMENTS_SIMULATOR_CALLBACKS = os.environ.get("PAYMENTS_SIMULATOR_CALLBACKS", "immediate")
# How orders leave after their transaction commits: "task", "inline" or "sweep".
PAYMENTS_DISPATCH = os.environ.get("PAYMENTS_DISPATCH", "task")
# An order sent but unanswered this long is queried.
PAYMENTS_STATUS_QUERY_AFTER_SECONDS = int(
    os.environ.get("PAYMENTS_STATUS_QUERY_AFTER_SECONDS", "60")
)
# Sends of one order id the bank never received before the order fails.
PAYMENTS_MAX_ATTEMPTS = int(os.environ.get("PAYMENTS_MAX_ATTEMPTS", "3"))

# --- notifications (microloan/notifications/__init__.py says more) ----------------------------
# Where the file providers write; empty: <VAR_DIR>/notifications.
NOTIFICATIONS_DIR = os.environ.get("NOTIFICATIONS_DIR", "")
# Channel → dotted path of a provider class; a channel not named uses the file provider.
NOTIFICATIONS_PROVIDERS: dict[str, str] = {}
# Overrides of notifications.timing.RetryPolicy (max_attempts 6, base_seconds 30, cap 3600).
NOTIFICATIONS_RETRY: dict[str, int] = {}
# How long a delivery worker holds a message it is sending.
NOTIFICATIONS_LEASE_SECONDS = int(os.environ.get("NOTIFICATIONS_LEASE_SECONDS", "120"))
# When reminders may reach a phone, Asia/Shanghai time.
NOTIFICATIONS_ALLOWED_HOURS = os.environ.get("NOTIFICATIONS_ALLOWED_HOURS", "09:00-20:00")
# Days before a due date that get a reminder (a product's ReminderPolicy row overrides them).
NOTIFICATIONS_REMINDER_OFFSETS = (3, 1, 0)
# Days past due that get an overdue notice.
NOTIFICATIONS_OVERDUE_NOTICE_DAYS = (1, 7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
