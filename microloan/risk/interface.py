"""What other apps may use of risk: typed queries and commands (``risk.services``). Risk's
tables are private; import this module or ``risk.services``, not ``risk.models``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

from .models import ApplicationEvent


# --- for origination, contracts, payments, reports and the back office ---
def device_application_counts(
    device_id: str, windows: Sequence[dt.timedelta], now: dt.datetime
) -> list[int]:
    """How many applications ``device_id`` sent in each window ending at ``now`` (one count
    per window, in the order given)."""
    # Plain SQL (every application asks): one count per window over the device's
    # ``(device_id, at)`` index range, in one statement.
    ops = connection.ops
    quote = ops.quote_name
    at = quote("at")
    sums = ", ".join(f"SUM(CASE WHEN {at} > %s THEN 1 ELSE 0 END)" for _window in windows)
    sql = (
        f"SELECT {sums} FROM {quote(ApplicationEvent._meta.db_table)}"
        f" WHERE {quote('device_id')} = %s AND {at} > %s AND {at} <= %s"
    )
    params = [ops.adapt_datetimefield_value(now - length) for length in windows]
    params += [
        device_id,
        ops.adapt_datetimefield_value(now - max(windows)),
        ops.adapt_datetimefield_value(now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = cursor.fetchone() or ()
    counts = [int(seen or 0) for seen in counts]
    return counts + [0] * (len(windows) - len(counts))
