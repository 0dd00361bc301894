"""What the home page shows: health checks and counters, each contributed by an app.

An app adds its own from ``AppConfig.ready()``::

    from microloan.backoffice.dashboard import DASHBOARD_COUNTS, HEALTH_CHECKS
    DASHBOARD_COUNTS.append((_("Open loans"), "lending.view_loan", count_open_loans))
    HEALTH_CHECKS.append(check_payment_channel)   # () -> Health

A counter is shown only to users holding its permission. A check or counter that raises is
shown as failing rather than breaking the page.

The work each role does comes as panels (``HOME_PANELS``), registered by each app's ``home.py``::

    HOME_PANELS.append((_("Loan book"), "reports.view_reports", book_figures))
    # book_figures(user, business_date) -> [Figure(label, value, url, kind=...)]

A figure links to the list behind it with the filter applied; its ``needs`` permission hides
the link (not the figure) from users who could not open that list. Providers run one or two
aggregate queries each: the page costs a fixed number of queries whatever the book's size.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

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


# --- role home pages: the figures and queues each role works from ---


@dataclass(frozen=True)
class Figure:
    """One number on a home page and the list behind it (``url`` already carries the filter).

    ``kind``: "count", "money" (fen), "percent" (a ratio 0..1, None when there is no base),
    "duration" (a ``timedelta``, negative when overdue).
    """

    label: str
    value: object
    url: str = ""
    kind: str = "count"
    alert: bool = False  # drawn as needing attention (breaches, breaks)
    needs: str | None = None  # the permission the list behind it requires (else no link)


@dataclass(frozen=True)
class HomePanel:
    title: str
    figures: list[Figure]


# (panel title, permission or None, provider(user, business_date) -> figures). Registered by
# each app's ``home.py`` from its ``AppConfig.ready()``; the back office imports no app above it.
HOME_PANELS: list[tuple[str, str | None, Callable[..., list[Figure]]]] = []


def visible_panels(user, business_date) -> list[HomePanel]:
    """The panels ``user`` may see; a failing provider shows as one failed figure."""
    panels = []
    for title, permission, provider in HOME_PANELS:
        if permission is not None and not user.has_perm(permission):
            continue
        try:
            figures = list(provider(user, business_date))
        except Exception:  # one app's broken query must not hide every other figure
            logger.exception("home panel %s failed", title)
            figures = [Figure(str(_("Could not be computed")), None, alert=True)]
        # a link the user would be refused is no link: the figure stays, its list does not
        figures = [
            f if f.needs is None or user.has_perm(f.needs) else replace(f, url="") for f in figures
        ]
        if figures:  # a provider with nothing for this user (e.g. no review stage) shows nothing
            panels.append(HomePanel(str(title), figures))
    return panels


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
