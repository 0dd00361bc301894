"""Django settings for Microloan: everything that differs between machines comes from the env.

Variables (see README): ``DEBUG``, ``DATABASE_URL``, ``SECRET_KEY``, ``FIELD_ENCRYPTION_KEYS``,
``ALLOWED_HOSTS``, ``MICROLOAN_VAR_DIR``, ``INITIAL_BUSINESS_DATE``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

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
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"{env_name} must be set when DEBUG is off.")
    return _local_secret(file_name, generate)


SECRET_KEY = _required_secret("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
# "id:base64key,id:base64key" — the last one encrypts, all of them decrypt (issue: customers).
FIELD_ENCRYPTION_KEYS = _required_secret(
    "FIELD_ENCRYPTION_KEYS",
    "field_encryption_keys",
    lambda: "k1:" + __import__("base64").urlsafe_b64encode(secrets.token_bytes(32)).decode(),
)
# The key bank callbacks are signed with (HMAC-SHA256); see microloan/payments/conf.py.
PAYMENTS_CALLBACK_SECRET = _required_secret(
    "PAYMENTS_CALLBACK_SECRET", "payments_callback_secret", lambda: secrets.token_urlsafe(48)
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

# Failed logins per username and per client address before a pause (accounts).
# A staff-recorded bank receipt above this many yuan needs a second person's approval.
MANUAL_POSTING_APPROVAL_THRESHOLD = os.environ.get("MANUAL_POSTING_APPROVAL_THRESHOLD", "50000.00")
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))

# Idempotency keys are kept at least this long (api).
IDEMPOTENCY_KEY_TTL_HOURS = int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "48"))
# Days after a promise's date in which a payment still keeps it (the bank's answer to
# the due date's auto-debit posts the next day).
COLLECTIONS_PROMISE_GRACE_DAYS = int(os.environ.get("COLLECTIONS_PROMISE_GRACE_DAYS", "1"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
