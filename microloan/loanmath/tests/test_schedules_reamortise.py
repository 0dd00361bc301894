"""Re-amortisation after a partial prepayment (shorten the term or lower the instalment)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microloan.kernel.errors import BusinessRuleViolation, ValidationFailed
from microloan.loanmath.schedules import generate_schedule, level_payment, period_days, reamortise

from .test_schedules import residue_bound

RATE = Decimal("0.0005")


def original(method="equal_instalment"):
    # 10,000.00 from 15 Mar 2025 (see the golden tables); instalments 1–3 are paid.
    return generate_schedule(
        principal=1_000_000,
        daily_rate=RATE,
        method=method,
        term_months=12,
        start_date=date(2025, 3, 15),
    )


def after_third(remaining, mode, method="equal_instalment", **extra):
    rows = original(method)
    return reamortise(
        remaining_principal=remaining,
        daily_rate=RATE,
        method=method,
        due_dates=[row.due_date for row in rows[3:]],
        period_start=rows[2].due_date,
        next_number=4,
        mode=mode,
        **extra,
    )


def test_lower_instalment_keeps_the_dates_and_lowers_the_payment():
    # 7,669.28 outstanding after instalment 3, 2,000.00 prepaid on its due date → 5,669.28.
    assert original()[2].balance_after == 766_928
    rows = after_third(566_928, "lower_instalment")
    assert [row.number for row in rows] == list(range(4, 13))
    assert [row.due_date for row in rows] == [row.due_date for row in original()[3:]]
    # The level payment over the 9 remaining periods (30, 31, 31, 30, 31, 30, 31, 31, 28 days)
    # is 67,893.92… fen exactly → 678.94; first interest 5,669.28 × 0.0005 × 30 = 85.0392.
    assert {row.total for row in rows[:-1]} == {67_894}
    assert (rows[0].principal, rows[0].interest, rows[0].balance_after) == (59_390, 8_504, 507_538)
    # 669.55 × 0.0005 × 28 = 9.3737 → 9.37; the last total is 2 fen of residue below 678.94.
    assert (rows[-1].principal, rows[-1].interest, rows[-1].total) == (66_955, 937, 67_892)
    # Same dates and start as a fresh 9-month loan from 15 Jun: the same schedule, renumbered.
    fresh = generate_schedule(
        principal=566_928,
        daily_rate=RATE,
        method="equal_instalment",
        term_months=9,
        start_date=date(2025, 6, 15),
    )
    assert rows == [replace(row, number=row.number + 3) for row in fresh]


def test_shorten_term_keeps_the_payment_and_drops_instalments():
    rows = after_third(566_928, "shorten_term", instalment_amount=91_845)
    assert [row.number for row in rows] == list(range(4, 11))  # 7 instead of 9
    assert {row.total for row in rows[:-1]} == {91_845}
    assert (rows[0].principal, rows[0].interest) == (83_341, 8_504)
    # 483.32 left for 15 Jan 2026: 483.32 × 0.0005 × 31 = 7.4915 → 7.49.
    assert (rows[-1].due_date, rows[-1].principal, rows[-1].interest) == (
        date(2026, 1, 15),
        48_332,
        749,
    )
    assert sum(row.principal for row in rows) == 566_928
    assert rows[-1].balance_after == 0


def test_shorten_term_for_equal_principal_keeps_the_principal_part():
    rows = after_third(450_000, "shorten_term", "equal_principal", instalment_amount=83_333)
    assert [row.principal for row in rows] == [83_333] * 5 + [33_335]
    assert [row.interest for row in rows] == [6_750, 5_683, 4_392, 3_000, 1_808, 500]


def test_lower_instalment_for_equal_principal():
    rows = after_third(450_000, "lower_instalment", "equal_principal")
    assert [row.principal for row in rows] == [50_000] * 9


def test_lower_instalment_for_interest_first_and_bullet():
    rows = after_third(600_000, "lower_instalment", "interest_first")
    assert [row.principal for row in rows] == [0] * 8 + [600_000]
    assert rows[0].interest == 600_000 * 30 // 2000  # 15 Jun → 15 Jul
    bullet = reamortise(
        remaining_principal=600_000,
        daily_rate=RATE,
        method="bullet",
        due_dates=[date(2026, 3, 15)],
        period_start=date(2025, 9, 1),
        next_number=2,
        mode="lower_instalment",
    )
    assert len(bullet) == 1
    assert (bullet[0].number, bullet[0].interest) == (2, 600_000 * 195 // 2000)


def test_interest_runs_from_the_given_period_start():
    # Prepayment on 1 Jul that also settled interest to that day: the next period starts there.
    rows = original()
    new = reamortise(
        remaining_principal=500_000,
        daily_rate=RATE,
        method="equal_instalment",
        due_dates=[row.due_date for row in rows[3:]],
        period_start=date(2025, 7, 1),
        next_number=4,
        mode="lower_instalment",
    )
    assert new[0].start_date == date(2025, 7, 1)
    assert new[0].interest == 500_000 * 14 // 2000  # 14 days to 15 Jul


def test_shorten_term_with_a_payment_below_interest_pays_all_on_the_last_date():
    rows = after_third(566_928, "shorten_term", instalment_amount=1_000)
    assert len(rows) == 9
    assert [row.principal for row in rows[:-1]] == [0] * 8
    assert rows[-1].principal == 566_928


def test_nothing_remaining_gives_no_instalments():
    assert after_third(0, "shorten_term", instalment_amount=91_845) == []


@pytest.mark.parametrize("method", ["interest_first", "bullet"])
def test_shorten_term_is_refused_without_a_principal_part(method):
    with pytest.raises(BusinessRuleViolation) as info:
        reamortise(
            remaining_principal=500_000,
            daily_rate=RATE,
            method=method,
            due_dates=[date(2025, 7, 15), date(2025, 8, 15)],
            period_start=date(2025, 6, 15),
            next_number=4,
            mode="shorten_term",
            instalment_amount=10_000,
        )
    assert info.value.code == "shorten_term_not_applicable"


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"remaining_principal": -1}, "invalid_principal", "remaining_principal"),
        ({"mode": "skip_instalment"}, "invalid_mode", "mode"),
        ({"due_dates": []}, "no_due_dates", "due_dates"),
        ({"due_dates": [date(2025, 7, 15), date(2025, 7, 15)]}, "invalid_due_dates", "due_dates"),
        ({"due_dates": [date(2025, 6, 15)]}, "invalid_due_dates", "due_dates"),
        ({"next_number": 0}, "invalid_number", "next_number"),
        ({"instalment_amount": None}, "invalid_instalment_amount", "instalment_amount"),
        ({"instalment_amount": 0}, "invalid_instalment_amount", "instalment_amount"),
        ({"daily_rate": Decimal(-1)}, "invalid_rate", "daily_rate"),
    ],
)
def test_bad_input_is_refused(overrides, code, field):
    arguments = {
        "remaining_principal": 500_000,
        "daily_rate": RATE,
        "method": "equal_instalment",
        "due_dates": [date(2025, 7, 15), date(2025, 8, 15)],
        "period_start": date(2025, 6, 15),
        "next_number": 4,
        "mode": "shorten_term",
        "instalment_amount": 91_845,
    }
    with pytest.raises(ValidationFailed) as info:
        reamortise(**(arguments | overrides))
    assert info.value.code == code
    assert field in info.value.fields


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["equal_instalment", "equal_principal"]),
    paid=st.integers(0, 10),
    share=st.fractions(0, 1),
    mode=st.sampled_from(["shorten_term", "lower_instalment"]),
)
def test_reamortised_schedule_repays_exactly(method, paid, share, mode):
    rows = original(method)
    outstanding = rows[paid - 1].balance_after if paid else 1_000_000
    remaining = int(outstanding * share)
    kept = rows[0].total if method == "equal_instalment" else rows[0].principal
    new = reamortise(
        remaining_principal=remaining,
        daily_rate=RATE,
        method=method,
        due_dates=[row.due_date for row in rows[paid:]],
        period_start=rows[paid - 1].due_date if paid else date(2025, 3, 15),
        next_number=paid + 1,
        mode=mode,
        instalment_amount=kept,
    )
    assert sum(row.principal for row in new) == remaining
    assert all(row.principal >= 0 and row.balance_after >= 0 for row in new)
    assert [row.number for row in new] == list(range(paid + 1, paid + 1 + len(new)))
    if remaining:
        assert new[-1].balance_after == 0
        assert len(new) <= 12 - paid
    if mode == "lower_instalment" and remaining:
        assert len(new) == 12 - paid
    if mode == "shorten_term" and method == "equal_instalment" and remaining:
        assert all(row.total == kept for row in new[:-1])
        assert len(new) == 12 - paid or new[-1].total <= kept
    if mode == "lower_instalment" and method == "equal_instalment" and remaining >= 10_000:
        # The same level-payment rule as a new loan, over the remaining actual periods.
        days = period_days(new[0].start_date, [row.due_date for row in new])
        level = level_payment(remaining, RATE, days)
        assert all(row.total == level for row in new[:-1])
        assert abs(new[-1].total - level) <= residue_bound(RATE, days)
