"""The business date: read it, set it once, advance it one day at a time."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from .errors import Conflict
from .models import BusinessDate
from .sql import select_values


def get_business_date() -> dt.date:
    """Today's business date; created from ``settings.INITIAL_BUSINESS_DATE`` on first read."""
    found = select_values(BusinessDate, ["current"], '"id" = %s', [1])  # read very often
    if found:
        return found[0][0]
    row, _created = BusinessDate.objects.get_or_create(
        id=1, defaults={"current": dt.date.fromisoformat(settings.INITIAL_BUSINESS_DATE)}
    )
    return row.current


def set_initial_business_date(date: dt.date) -> dt.date:
    """Set the business date of a fresh installation (refused once anything moved it)."""
    with transaction.atomic():
        row, created = BusinessDate.objects.select_for_update().get_or_create(
            id=1, defaults={"current": date}
        )
        if not created and row.version > 0 and row.current != date:
            raise Conflict(
                _("The business date has already been advanced."), code="business_date_in_use"
            )
        if row.current != date:
            row.current = date
            row.save(update_fields=["current", "updated_at"])
    return date


def advance_business_date(*, expected_current: dt.date) -> dt.date:
    """Move the business date from ``expected_current`` to the next day.

    Called by end of day after every step for ``expected_current`` finished. The compare-and-set
    on ``current`` makes a second concurrent advance fail instead of skipping a day.
    """
    get_business_date()  # make sure the row exists
    new_date = expected_current + dt.timedelta(days=1)
    with transaction.atomic():
        updated = BusinessDate.objects.filter(id=1, current=expected_current).update(
            current=new_date, version=F("version") + 1
        )
    if updated != 1:
        raise Conflict(
            _("The business date is not %(date)s.") % {"date": expected_current.isoformat()},
            code="business_date_moved",
        )
    return new_date
