import datetime as dt

import pytest

from microloan.kernel.errors import Conflict
from microloan.kernel.services import (
    advance_business_date,
    get_business_date,
    set_initial_business_date,
)

pytestmark = pytest.mark.django_db


def test_first_read_creates_the_configured_date(settings):
    settings.INITIAL_BUSINESS_DATE = "2026-03-31"
    assert get_business_date() == dt.date(2026, 3, 31)


def test_advance_moves_one_day_across_month_and_year_ends():
    set_initial_business_date(dt.date(2026, 12, 31))
    assert advance_business_date(expected_current=dt.date(2026, 12, 31)) == dt.date(2027, 1, 1)
    assert get_business_date() == dt.date(2027, 1, 1)


def test_advance_from_a_stale_date_is_refused_and_changes_nothing():
    set_initial_business_date(dt.date(2026, 2, 28))
    advance_business_date(expected_current=dt.date(2026, 2, 28))
    with pytest.raises(Conflict) as info:
        advance_business_date(expected_current=dt.date(2026, 2, 28))
    assert info.value.code == "business_date_moved"
    assert get_business_date() == dt.date(2026, 3, 1)


def test_initial_date_cannot_be_reset_after_an_advance():
    set_initial_business_date(dt.date(2026, 1, 1))
    advance_business_date(expected_current=dt.date(2026, 1, 1))
    with pytest.raises(Conflict):
        set_initial_business_date(dt.date(2025, 1, 1))
