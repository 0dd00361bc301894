"""Payments settings (declared with their defaults in ``microloan/settings.py``).

- ``PAYMENTS_CALLBACK_SECRET``: the HMAC-SHA256 key bank callbacks are signed with. From the
  environment variable of the same name; in development (DEBUG) a generated key kept in
  ``var/payments_callback_secret``, like the other local secrets; missing in production is a
  start-up error.
- ``PAYMENTS_CHANNEL``: the channel orders go through (default ``"simulator"``).
- ``PAYMENTS_SIMULATOR_URL``: empty → the simulated bank runs in-process; else the address of
  ``microloan payments simulator --port N`` (e.g. ``http://127.0.0.1:8099``).
- ``PAYMENTS_SIMULATOR_CALLBACKS``: in-process simulator only: ``"immediate"`` (the callback
  arrives while the order is being sent) or ``"deferred"`` (on the next sweep).
- ``PAYMENTS_DISPATCH``: how orders leave after their transaction commits: ``"task"`` (a
  django-tasks task), ``"inline"`` (sent at once in the committing process: tests, the
  benchmark) or ``"sweep"`` (only ``process_orders()`` sends them).
- ``PAYMENTS_STATUS_QUERY_AFTER_SECONDS``: an order sent but unanswered this long is queried.
- ``PAYMENTS_MAX_ATTEMPTS``: sends of one order id the bank never received before it fails.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SECRET_FILE = "payments_callback_secret"


def callback_secret() -> bytes:
    value = settings.PAYMENTS_CALLBACK_SECRET
    if value:
        return value.encode()
    if not settings.DEBUG:
        raise ImproperlyConfigured("PAYMENTS_CALLBACK_SECRET must be set when DEBUG is off.")
    path = settings.VAR_DIR / SECRET_FILE
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def channel_name() -> str:
    return settings.PAYMENTS_CHANNEL


def simulator_url() -> str:
    return settings.PAYMENTS_SIMULATOR_URL


def simulator_callbacks() -> str:
    return settings.PAYMENTS_SIMULATOR_CALLBACKS


def dispatch_mode() -> str:
    return settings.PAYMENTS_DISPATCH


def status_query_after_seconds() -> int:
    return int(settings.PAYMENTS_STATUS_QUERY_AFTER_SECONDS)


def max_attempts() -> int:
    return int(settings.PAYMENTS_MAX_ATTEMPTS)
