"""``GET /api/v1/health``: is the process up and can it reach its database? No auth."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import DatabaseError, connection
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from microloan.kernel.errors import DomainError
from microloan.kernel.services import get_business_date

from .schemas import ErrorOut

logger = logging.getLogger("microloan.api")

router = Router(tags=["health"])


class HealthOut(Schema):
    status: str
    database: str
    business_date: dt.date


@router.get("/health", auth=None, response={200: HealthOut, 503: ErrorOut})
def health(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        business_date = get_business_date()
    except DatabaseError:
        logger.exception("health check: database unreachable")
        raise DomainError(
            _("The database is unreachable."), code="database_unavailable", status=503
        ) from None
    return {"status": "ok", "database": "ok", "business_date": business_date}
