"""Home-page figures of collections: the collector's day (cases, promises due, contacts made)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.backoffice.dashboard import HOME_PANELS, Figure

from .models import CollectionCase, ContactAttempt, PromiseToPay

WORK_CASE = "collections.work_collectioncase"
VIEW_CASE = "collections.view_collectioncase"


def collector_figures(user, business_date: dt.date) -> list[Figure]:
    open_ = CollectionCase.Status.OPEN
    cases = CollectionCase.objects.filter(collector=user, status=open_).aggregate(
        open=Count("id"), new=Count("id", filter=Q(assigned_on=business_date))
    )
    promises_due = PromiseToPay.objects.filter(
        collector=user, due_date=business_date, status=PromiseToPay.Status.PENDING
    ).count()
    # contacts are made on the clock's day (contact hours are wall-clock hours)
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    contacts = ContactAttempt.objects.filter(collector=user, attempted_at__gte=start).count()
    mine = f"{reverse('collections:my_cases')}?status={open_}"
    return [
        Figure(str(_("My open cases")), cases["open"], mine),
        Figure(str(_("Cases assigned to me today")), cases["new"], mine),
        Figure(str(_("Promises due today")), promises_due, mine, alert=True),
        Figure(str(_("Contacts made today")), contacts, mine),
    ]


def team_figures(user, business_date: dt.date) -> list[Figure]:
    row = CollectionCase.objects.filter(status=CollectionCase.Status.OPEN).aggregate(
        open=Count("id"), unassigned=Count("id", filter=Q(collector__isnull=True))
    )
    url = f"{reverse('collections:cases')}?status={CollectionCase.Status.OPEN}"
    return [
        Figure(str(_("Open collection cases")), row["open"], url),
        Figure(str(_("Open cases without a collector")), row["unassigned"], url),
    ]


def register() -> None:
    """Idempotent: ``ready()`` may run more than once in tests."""
    for entry in (
        (_("My collection day"), WORK_CASE, collector_figures),
        (_("Collections"), VIEW_CASE, team_figures),
    ):
        if entry[2] not in {provider for _t, _p, provider in HOME_PANELS}:
            HOME_PANELS.append(entry)
