"""Home-page figures of risk: early-warning actions waiting for a decision."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from microloan.backoffice.dashboard import HOME_PANELS, Figure

from .models import EarlyWarningAction


def early_warning_figures(user, business_date: dt.date) -> list[Figure]:
    status = EarlyWarningAction.Status
    row = EarlyWarningAction.objects.filter(status__in=(status.PENDING, status.QUEUED)).aggregate(
        pending=Count("id", filter=Q(status=status.PENDING)),
        queued=Count("id", filter=Q(status=status.QUEUED)),
    )
    # the actions page lists exactly the pending ones
    url = reverse("risk:risk_postloan:actions")
    return [
        Figure(str(_("Early-warning actions pending approval")), row["pending"], url, alert=True),
        Figure(str(_("Early-warning actions queued for end of day")), row["queued"], url),
    ]


def register() -> None:
    """Idempotent: ``ready()`` may run more than once in tests."""
    entry = (_("Early warning"), "risk.view_earlywarningaction", early_warning_figures)
    if early_warning_figures not in {provider for _t, _p, provider in HOME_PANELS}:
        HOME_PANELS.append(entry)
