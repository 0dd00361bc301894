"""The demo book's borrower behaviour: shares, and each profile's answers at its boundaries."""

import random
from collections import Counter

import pytest

from microloan.demo.behaviour import (
    PROFILE_SHARES,
    Borrower,
    Profile,
    assign_borrower,
    debit_succeeds,
    pays_by_hand,
    prepays_today,
)


def _borrower(profile, cure=30, stop=1, prepay=40):
    return Borrower(profile, cure_after_days=cure, stop_after_instalments=stop,
                    prepay_after_days=prepay)  # fmt: skip


def test_shares_sum_to_one_and_are_drawn_in_proportion():
    assert sum(share for _, share in PROFILE_SHARES) == pytest.approx(1.0)
    rng = random.Random(7)
    counts = Counter(assign_borrower(rng).profile for _ in range(20_000))
    for profile, share in PROFILE_SHARES:
        assert counts[profile] / 20_000 == pytest.approx(share, abs=0.01)


def test_same_seed_same_book():
    first = [assign_borrower(random.Random(3)) for _ in range(5)]
    again = [assign_borrower(random.Random(3)) for _ in range(5)]
    assert first == again


@pytest.mark.parametrize(
    ("profile", "number", "expected"),
    [
        (Profile.PUNCTUAL, 1, True),
        (Profile.PUNCTUAL, 12, True),
        (Profile.PREPAYER, 3, True),
        (Profile.ROLLER, 1, True),
        (Profile.ROLLER, 2, False),
        (Profile.DEFAULTER, 1, True),  # stops after 1 instalment
        (Profile.DEFAULTER, 2, False),
    ],
)
def test_debit(profile, number, expected):
    assert (
        debit_succeeds(_borrower(profile), instalment_number=number, rng=random.Random(0))
        is expected
    )


@pytest.mark.parametrize(
    ("profile", "dpd", "expected"),
    [
        (Profile.PUNCTUAL, 0, False),  # nothing overdue: nothing to pay
        (Profile.PUNCTUAL, 1, True),
        (Profile.ROLLER, 29, False),
        (Profile.ROLLER, 30, True),  # cures on the day its cure_after_days is reached
        (Profile.DEFAULTER, 400, False),
    ],
)
def test_pays_by_hand(profile, dpd, expected):
    assert pays_by_hand(_borrower(profile), days_past_due=dpd, rng=random.Random(0)) is expected


def test_forgetful_pays_within_the_first_month_mostly():
    rng = random.Random(11)
    borrower = _borrower(Profile.FORGETFUL)
    days = []
    for _ in range(1000):
        dpd = 1
        while not pays_by_hand(borrower, days_past_due=dpd, rng=rng):
            dpd += 1
        days.append(dpd)
    assert min(days) == 2 and sum(d <= 30 for d in days) == 1000


def test_prepayer_pays_off_on_its_day_only():
    borrower = _borrower(Profile.PREPAYER, prepay=40)
    assert [d for d in range(100) if prepays_today(borrower, days_on_book=d)] == [40]
    assert not prepays_today(_borrower(Profile.PUNCTUAL), days_on_book=40)


def test_plans_take_up_a_quarter_of_lines_and_most_people_apply():
    from microloan.demo.onboarding import TAKE_UP_SHARE, make_plan

    rng = random.Random(11)
    person = {"phone": "13900000000", "device_id": "d"}
    plans = [make_plan(n, person, rng, days=151) for n in range(4000)]
    assert sum(plan.takes_up for plan in plans) / 4000 == pytest.approx(TAKE_UP_SHARE, abs=0.03)
    assert sum(plan.applies for plan in plans) / 4000 == pytest.approx(0.95, abs=0.02)
    assert all(0 <= plan.arrival < 151 for plan in plans)
