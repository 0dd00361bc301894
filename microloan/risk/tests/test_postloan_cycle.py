"""Monthly post-loan checks spread over the month's first 20 business days: each line is
checked once a month, on the day of its share (line id mod 20), and reruns add nothing."""

import datetime as dt

import pytest

from microloan.risk.models import PostLoanCheck
from microloan.risk.postloan.signals import monthly_slot
from microloan.risk.tests.postloan_book import draw, open_line, run_hook, start_book

APRIL_2026 = [dt.date(2026, 4, day) for day in range(1, 31)]


@pytest.mark.parametrize(
    ("day", "cycle", "slot"),
    [
        (dt.date(2026, 4, 1), 20, 0),  # Wednesday, the first business day
        (dt.date(2026, 4, 3), 20, 2),
        (dt.date(2026, 4, 4), 20, None),  # Saturday
        (dt.date(2026, 4, 6), 20, 3),  # Monday after the weekend
        (dt.date(2026, 4, 28), 20, 19),  # the 20th weekday
        (dt.date(2026, 4, 29), 20, None),  # the 21st: every share is done
        (dt.date(2026, 4, 1), 1, 0),
        (dt.date(2026, 4, 2), 1, None),
        (dt.date(2026, 3, 2), 20, 0),  # March 2026 starts on a Sunday
    ],
)
def test_monthly_slot(day, cycle, slot):
    assert monthly_slot(day, cycle) == slot


@pytest.mark.parametrize("year_month", [(2026, 2), (2026, 5), (2027, 2), (2028, 2)])
def test_every_share_comes_round_once_a_month(year_month):
    year, month = year_month
    days = [dt.date(year, month, d) for d in range(1, 32) if _valid(year, month, d)]
    slots = [monthly_slot(day, 20) for day in days]
    assert sorted(slot for slot in slots if slot is not None) == list(range(20))


def _valid(year, month, day):
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


@pytest.mark.django_db
def test_each_line_is_checked_on_its_share_day_only(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RISK_POSTLOAN_CYCLE_DAYS = 20
    version = start_book(dt.date(2026, 3, 2))
    lines = [open_line(version, f"cust_{n}") for n in range(5)]
    for line in lines:
        draw(line)
    for day in APRIL_2026:
        run_hook(day)
        run_hook(day)  # a rerun adds nothing
    checked = {
        check.line_id: check.business_date
        for check in PostLoanCheck.objects.filter(trigger="monthly")
    }
    assert PostLoanCheck.objects.filter(trigger="monthly").count() == len(lines)
    for line in lines:
        assert monthly_slot(checked[line.pk], 20) == line.pk % 20
