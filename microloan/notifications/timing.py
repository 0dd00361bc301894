"""When to try a delivery again, and when a message may reach a phone. Pure functions.

Backoff: attempt n (1-based) that failed waits ``base × 2^(n−1)`` seconds, capped, before the
next try; after ``max_attempts`` tries the message is failed for good.

Allowed hours: reminders and notices reach a borrower only between ``start`` and ``end`` local
time (default 09:00–20:00 Asia/Shanghai); one created outside waits for the next start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_seconds: int = 30
    cap_seconds: int = 3600

    def delay_after(self, attempt: int) -> dt.timedelta | None:
        """Wait after failed attempt ``attempt``; None when no attempt is left."""
        if attempt < 1:
            raise ValueError("attempts count from 1")
        if attempt >= self.max_attempts:
            return None
        return dt.timedelta(seconds=min(self.base_seconds * 2 ** (attempt - 1), self.cap_seconds))


@dataclass(frozen=True)
class AllowedHours:
    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(20, 0)
    zone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("allowed hours must start before they end, within one day")

    def next_allowed(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` itself if inside the hours, else the next start (aware, in the zone)."""
        if moment.tzinfo is None:
            raise ValueError("an aware datetime is needed")
        local = moment.astimezone(ZoneInfo(self.zone))
        if self.start <= local.time() < self.end:
            return local
        day = local.date() if local.time() < self.start else local.date() + dt.timedelta(days=1)
        return dt.datetime.combine(day, self.start, tzinfo=ZoneInfo(self.zone))

    def not_before(self, moment: dt.datetime) -> dt.datetime | None:
        """None when ``moment`` is allowed, else when the message may go."""
        allowed = self.next_allowed(moment)
        return None if allowed == moment else allowed


def parse_hours(text: str) -> AllowedHours:
    """``"09:00-20:00"`` → AllowedHours (a setting's form)."""
    start, _sep, end = text.partition("-")
    return AllowedHours(dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip()))
