"""What the home page shows: health checks and counters, each contributed by an app.

An app adds its own from ``AppConfig.ready()``::

    from microloan.backoffice.dashboard import DASHBOARD_COUNTS, HEALTH_CHECKS
    DASHBOARD_COUNTS.append((_("Open loans"), "lending.view_loan", count_open_loans))
    HEALTH_CHECKS.append(check_payment_channel)   # () -> Health

A counter is shown only to users holding its permission. A check or counter that raises is
shown as failing rather than breaking the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import count_audit_records

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    label: str
    ok: bool | None  # None: nothing to judge yet (no end-of-day run so far)
    detail: str = ""


def database_health() -> Health:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Health(_("Database"), True, _("%(vendor)s reachable") % {"vendor": connection.vendor})


def count_staff_users() -> int:
    return get_user_model().objects.filter(is_active=True).count()


# The end-of-day check comes next, from batch (``batch/health.py``).
HEALTH_CHECKS: list[Callable[[], Health]] = [database_health]
DASHBOARD_COUNTS: list[tuple[str, str | None, Callable[[], int]]] = [
    (_("Active staff users"), "accounts.view_staffuser", count_staff_users),
    (_("Audit records"), "audit.view_auditrecord", count_audit_records),
]


def run_health_checks() -> list[Health]:
    results = []
    for check in HEALTH_CHECKS:
        try:
            results.append(check())
        except Exception:  # a failing check is a finding to show, not a reason to fail the page
            logger.exception("health check %s failed", getattr(check, "__name__", check))
            results.append(Health(getattr(check, "__name__", "?"), False, _("Check failed.")))
    return results


def visible_counts(user) -> list[tuple[str, int | None]]:
    """``(label, count)`` for each counter ``user`` may see; ``None`` when counting failed."""
    counts = []
    for label, permission, count in DASHBOARD_COUNTS:
        if permission is not None and not user.has_perm(permission):
            continue
        try:
            counts.append((str(label), count()))
        except Exception:
            logger.exception("dashboard counter %s failed", label)
            counts.append((str(label), None))
    return counts
