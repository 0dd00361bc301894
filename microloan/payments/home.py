"""Home-page figures of payments: orders waiting (by kind and status) and open breaks."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from microloan.backoffice.dashboard import HOME_PANELS, Figure

from .models import PaymentOrder, SettlementBreak

_WAITING = (PaymentOrder.Status.CREATED, PaymentOrder.Status.SENT, PaymentOrder.Status.PENDING)


def order_figures(user, business_date: dt.date) -> list[Figure]:
    rows = (
        PaymentOrder.objects.filter(status__in=_WAITING)
        .values("kind", "status")
        .annotate(n=Count("id"))
        .order_by("kind", "status")
    )
    base = reverse("payments:orders")
    kinds, statuses = dict(PaymentOrder.Kind.choices), dict(PaymentOrder.Status.choices)
    figures = [
        Figure(
            f"{kinds.get(row['kind'], row['kind'])} · {statuses.get(row['status'])}",
            row["n"],
            f"{base}?{urlencode({'kind': row['kind'], 'status': row['status']})}",
        )
        for row in rows
    ]
    if not figures:  # say so, rather than show an empty panel
        url = f"{base}?status={PaymentOrder.Status.PENDING}"
        figures.append(Figure(str(_("Payment orders waiting")), 0, url))
    return figures


def break_figures(user, business_date: dt.date) -> list[Figure]:
    rows = dict(
        SettlementBreak.objects.filter(status=SettlementBreak.Status.OPEN)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    base = reverse("payments:breaks")
    figures = [
        Figure(
            str(_("Open settlement breaks")), sum(rows.values()), f"{base}?status=open", alert=True
        )
    ]
    for kind, label in SettlementBreak.Kind.choices:
        if rows.get(kind):
            url = f"{base}?{urlencode({'status': 'open', 'kind': kind})}"
            figures.append(Figure(str(label), rows[kind], url, alert=True))
    return figures


def register() -> None:
    """Idempotent: ``ready()`` may run more than once in tests."""
    for entry in (
        (_("Payment orders waiting"), "payments.view_paymentorder", order_figures),
        (_("Settlement breaks"), "payments.view_settlementbreak", break_figures),
    ):
        if entry[2] not in {provider for _t, _p, provider in HOME_PANELS}:
            HOME_PANELS.append(entry)
