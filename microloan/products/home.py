"""Home-page figures of products: versions waiting for the checker, drafts in progress."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from microloan.backoffice.dashboard import HOME_PANELS, Figure

from .models import ProductVersion


def product_figures(user, business_date: dt.date) -> list[Figure]:
    status = ProductVersion.Status
    row = ProductVersion.objects.aggregate(
        pending=Count("id", filter=Q(status=status.PENDING_APPROVAL)),
        drafts=Count("id", filter=Q(status=status.DRAFT)),
        active=Count("id", filter=Q(status=status.ACTIVE)),
    )
    return [
        Figure(
            str(_("Product versions pending approval")),
            row["pending"],
            reverse("products:pending"),
            alert=True,
        ),
        Figure(str(_("Product drafts")), row["drafts"], reverse("products:list")),
        Figure(str(_("Active product versions")), row["active"], reverse("products:list")),
    ]


def register() -> None:
    """Idempotent: ``ready()`` may run more than once in tests."""
    entry = (_("Products"), "products.view_productversion", product_figures)
    if product_figures not in {provider for _t, _p, provider in HOME_PANELS}:
        HOME_PANELS.append(entry)
