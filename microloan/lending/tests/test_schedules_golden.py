"""Golden schedules, to the fen.

The literal tables below were derived once with the Fraction reference at the bottom of this
file (which shares no code with ``schedules.py``) and checked by hand on the headline figures:
916.80 is the textbook annuity for 10,000.00 at 1.5 %/month (0.05 %/day × 360 / 12) over 12
months; each row's interest is outstanding × daily rate × days, e.g. 10,000.00 × 0.0005 × 31
(15 Mar → 15 Apr) = 155.00 and 9,238.20 × 0.0005 × 30 = 138.573 → 138.57; the 200,000.00 loan
starts on 31 Jan 2024, so its first period ends on 29 Feb (leap year, 29 days: 200,000.00 ×
0.0002 × 29 = 1,160.00) and its dates go back to the 31st where the month has one. The last
row takes the remaining principal, which is why it differs from the level payment.
Columns: due date, principal, interest, total, balance after.
"""

import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from microloan.kernel.errors import BusinessRuleViolation
from microloan.lending.schedules import RepaymentMethod, generate_schedule

EQUAL_INSTALMENT_10K_360 = [
    ("2025-04-15", "761.80", "155.00", "916.80", "9238.20"),
    ("2025-05-15", "778.23", "138.57", "916.80", "8459.97"),
    ("2025-06-15", "785.67", "131.13", "916.80", "7674.30"),
    ("2025-07-15", "801.69", "115.11", "916.80", "6872.61"),
    ("2025-08-15", "810.27", "106.53", "916.80", "6062.34"),
    ("2025-09-15", "822.83", "93.97", "916.80", "5239.51"),
    ("2025-10-15", "838.21", "78.59", "916.80", "4401.30"),
    ("2025-11-15", "848.58", "68.22", "916.80", "3552.72"),
    ("2025-12-15", "863.51", "53.29", "916.80", "2689.21"),
    ("2026-01-15", "875.12", "41.68", "916.80", "1814.09"),
    ("2026-02-15", "888.68", "28.12", "916.80", "925.41"),
    ("2026-03-15", "925.41", "12.96", "938.37", "0.00"),
]

EQUAL_INSTALMENT_10K_365 = [
    ("2025-04-15", "762.99", "155.00", "917.99", "9237.01"),
    ("2025-05-15", "779.43", "138.56", "917.99", "8457.58"),
    ("2025-06-15", "786.90", "131.09", "917.99", "7670.68"),
    ("2025-07-15", "802.93", "115.06", "917.99", "6867.75"),
    ("2025-08-15", "811.54", "106.45", "917.99", "6056.21"),
    ("2025-09-15", "824.12", "93.87", "917.99", "5232.09"),
    ("2025-10-15", "839.51", "78.48", "917.99", "4392.58"),
    ("2025-11-15", "849.91", "68.08", "917.99", "3542.67"),
    ("2025-12-15", "864.85", "53.14", "917.99", "2677.82"),
    ("2026-01-15", "876.48", "41.51", "917.99", "1801.34"),
    ("2026-02-15", "890.07", "27.92", "917.99", "911.27"),
    ("2026-03-15", "911.27", "12.76", "924.03", "0.00"),
]

EQUAL_PRINCIPAL_10K = [
    ("2025-04-15", "833.33", "155.00", "988.33", "9166.67"),
    ("2025-05-15", "833.33", "137.50", "970.83", "8333.34"),
    ("2025-06-15", "833.33", "129.17", "962.50", "7500.01"),
    ("2025-07-15", "833.33", "112.50", "945.83", "6666.68"),
    ("2025-08-15", "833.33", "103.33", "936.66", "5833.35"),
    ("2025-09-15", "833.33", "90.42", "923.75", "5000.02"),
    ("2025-10-15", "833.33", "75.00", "908.33", "4166.69"),
    ("2025-11-15", "833.33", "64.58", "897.91", "3333.36"),
    ("2025-12-15", "833.33", "50.00", "883.33", "2500.03"),
    ("2026-01-15", "833.33", "38.75", "872.08", "1666.70"),
    ("2026-02-15", "833.33", "25.83", "859.16", "833.37"),
    ("2026-03-15", "833.37", "11.67", "845.04", "0.00"),
]

INTEREST_FIRST_10K = [
    ("2025-04-15", "0.00", "155.00", "155.00", "10000.00"),
    ("2025-05-15", "0.00", "150.00", "150.00", "10000.00"),
    ("2025-06-15", "0.00", "155.00", "155.00", "10000.00"),
    ("2025-07-15", "0.00", "150.00", "150.00", "10000.00"),
    ("2025-08-15", "0.00", "155.00", "155.00", "10000.00"),
    ("2025-09-15", "0.00", "155.00", "155.00", "10000.00"),
    ("2025-10-15", "0.00", "150.00", "150.00", "10000.00"),
    ("2025-11-15", "0.00", "155.00", "155.00", "10000.00"),
    ("2025-12-15", "0.00", "150.00", "150.00", "10000.00"),
    ("2026-01-15", "0.00", "155.00", "155.00", "10000.00"),
    ("2026-02-15", "0.00", "155.00", "155.00", "10000.00"),
    ("2026-03-15", "10000.00", "140.00", "10140.00", "0.00"),
]

BULLET_10K = [
    ("2026-03-15", "10000.00", "1825.00", "11825.00", "0.00"),
]

EQUAL_INSTALMENT_200K = [
    ("2024-02-29", "7812.66", "1160.00", "8972.66", "192187.34"),
    ("2024-03-31", "7781.10", "1191.56", "8972.66", "184406.24"),
    ("2024-04-30", "7866.22", "1106.44", "8972.66", "176540.02"),
    ("2024-05-31", "7878.11", "1094.55", "8972.66", "168661.91"),
    ("2024-06-30", "7960.69", "1011.97", "8972.66", "160701.22"),
    ("2024-07-31", "7976.31", "996.35", "8972.66", "152724.91"),
    ("2024-08-31", "8025.77", "946.89", "8972.66", "144699.14"),
    ("2024-09-30", "8104.47", "868.19", "8972.66", "136594.67"),
    ("2024-10-31", "8125.77", "846.89", "8972.66", "128468.90"),
    ("2024-11-30", "8201.85", "770.81", "8972.66", "120267.05"),
    ("2024-12-31", "8227.00", "745.66", "8972.66", "112040.05"),
    ("2025-01-31", "8278.01", "694.65", "8972.66", "103762.04"),
    ("2025-02-28", "8391.59", "581.07", "8972.66", "95370.45"),
    ("2025-03-31", "8381.36", "591.30", "8972.66", "86989.09"),
    ("2025-04-30", "8450.73", "521.93", "8972.66", "78538.36"),
    ("2025-05-31", "8485.72", "486.94", "8972.66", "70052.64"),
    ("2025-06-30", "8552.34", "420.32", "8972.66", "61500.30"),
    ("2025-07-31", "8591.36", "381.30", "8972.66", "52908.94"),
    ("2025-08-31", "8644.62", "328.04", "8972.66", "44264.32"),
    ("2025-09-30", "8707.07", "265.59", "8972.66", "35557.25"),
    ("2025-10-31", "8752.21", "220.45", "8972.66", "26805.04"),
    ("2025-11-30", "8811.83", "160.83", "8972.66", "17993.21"),
    ("2025-12-31", "8861.10", "111.56", "8972.66", "9132.11"),
    ("2026-01-31", "9132.11", "56.62", "9188.73", "0.00"),
]

EQUAL_PRINCIPAL_200K = [
    ("2024-02-29", "8333.33", "1160.00", "9493.33", "191666.67"),
    ("2024-03-31", "8333.33", "1188.33", "9521.66", "183333.34"),
    ("2024-04-30", "8333.33", "1100.00", "9433.33", "175000.01"),
    ("2024-05-31", "8333.33", "1085.00", "9418.33", "166666.68"),
    ("2024-06-30", "8333.33", "1000.00", "9333.33", "158333.35"),
    ("2024-07-31", "8333.33", "981.67", "9315.00", "150000.02"),
    ("2024-08-31", "8333.33", "930.00", "9263.33", "141666.69"),
    ("2024-09-30", "8333.33", "850.00", "9183.33", "133333.36"),
    ("2024-10-31", "8333.33", "826.67", "9160.00", "125000.03"),
    ("2024-11-30", "8333.33", "750.00", "9083.33", "116666.70"),
    ("2024-12-31", "8333.33", "723.33", "9056.66", "108333.37"),
    ("2025-01-31", "8333.33", "671.67", "9005.00", "100000.04"),
    ("2025-02-28", "8333.33", "560.00", "8893.33", "91666.71"),
    ("2025-03-31", "8333.33", "568.33", "8901.66", "83333.38"),
    ("2025-04-30", "8333.33", "500.00", "8833.33", "75000.05"),
    ("2025-05-31", "8333.33", "465.00", "8798.33", "66666.72"),
    ("2025-06-30", "8333.33", "400.00", "8733.33", "58333.39"),
    ("2025-07-31", "8333.33", "361.67", "8695.00", "50000.06"),
    ("2025-08-31", "8333.33", "310.00", "8643.33", "41666.73"),
    ("2025-09-30", "8333.33", "250.00", "8583.33", "33333.40"),
    ("2025-10-31", "8333.33", "206.67", "8540.00", "25000.07"),
    ("2025-11-30", "8333.33", "150.00", "8483.33", "16666.74"),
    ("2025-12-31", "8333.33", "103.33", "8436.66", "8333.41"),
    ("2026-01-31", "8333.41", "51.67", "8385.08", "0.00"),
]

INTEREST_FIRST_200K = [
    ("2024-02-29", "0.00", "1160.00", "1160.00", "200000.00"),
    ("2024-03-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2024-04-30", "0.00", "1200.00", "1200.00", "200000.00"),
    ("2024-05-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2024-06-30", "0.00", "1200.00", "1200.00", "200000.00"),
    ("2024-07-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2024-08-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2024-09-30", "0.00", "1200.00", "1200.00", "200000.00"),
    ("2024-10-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2024-11-30", "0.00", "1200.00", "1200.00", "200000.00"),
    ("2024-12-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2025-01-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2025-02-28", "0.00", "1120.00", "1120.00", "200000.00"),
    ("2025-03-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2025-04-30", "0.00", "1200.00", "1200.00", "200000.00"),
    ("2025-05-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2025-06-30", "0.00", "1200.00", "1200.00", "200000.00"),
    ("2025-07-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2025-08-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2025-09-30", "0.00", "1200.00", "1200.00", "200000.00"),
    ("2025-10-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2025-11-30", "0.00", "1200.00", "1200.00", "200000.00"),
    ("2025-12-31", "0.00", "1240.00", "1240.00", "200000.00"),
    ("2026-01-31", "200000.00", "1240.00", "201240.00", "0.00"),
]

BULLET_200K = [
    ("2025-01-31", "200000.00", "14640.00", "214640.00", "0.00"),
]

# 3,000.00 from 29 Jan 2023 (common year), 0.04 %/day, 365-day count: 30 days to 28 Feb
# (3,000.00 × 0.0004 × 30 = 36.00), then 29 days back to the 29th (2,413.92 × 0.0004 × 29).
EQUAL_INSTALMENT_29TH_365 = [
    ("2023-02-28", "586.08", "36.00", "622.08", "2413.92"),
    ("2023-03-29", "594.08", "28.00", "622.08", "1819.84"),
    ("2023-04-29", "599.51", "22.57", "622.08", "1220.33"),
    ("2023-05-29", "607.44", "14.64", "622.08", "612.89"),
    ("2023-06-29", "612.89", "7.60", "620.49", "0.00"),
]

# 8,000.00 from 30 Dec 2023, 0.035 %/day: 31, 30 (to 29 Feb 2024), 30, 31, 30 days.
EQUAL_PRINCIPAL_30TH = [
    ("2024-01-30", "1600.00", "86.80", "1686.80", "6400.00"),
    ("2024-02-29", "1600.00", "67.20", "1667.20", "4800.00"),
    ("2024-03-30", "1600.00", "50.40", "1650.40", "3200.00"),
    ("2024-04-30", "1600.00", "34.72", "1634.72", "1600.00"),
    ("2024-05-30", "1600.00", "16.80", "1616.80", "0.00"),
]


def fen(yuan: str) -> int:
    return int(Decimal(yuan) * 100)


def as_table(schedule):
    return [
        (row.due_date.isoformat(), row.principal, row.interest, row.total, row.balance_after)
        for row in schedule
    ]


def literal(table):
    return [(due, *map(fen, amounts)) for due, *amounts in table]


TEN_K = {"principal": 1_000_000, "daily_rate": Decimal("0.0005"), "start_date": date(2025, 3, 15)}
TWO_HUNDRED_K = {
    "principal": 20_000_000,
    "daily_rate": Decimal("0.0002"),
    "start_date": date(2024, 1, 31),
}

HEADLINE = [
    pytest.param(TEN_K, "equal_instalment", 12, 360, EQUAL_INSTALMENT_10K_360, id="ei-10k-360"),
    pytest.param(TEN_K, "equal_instalment", 12, 365, EQUAL_INSTALMENT_10K_365, id="ei-10k-365"),
    pytest.param(TEN_K, "equal_principal", 12, 360, EQUAL_PRINCIPAL_10K, id="ep-10k"),
    pytest.param(TEN_K, "interest_first", 12, 360, INTEREST_FIRST_10K, id="if-10k"),
    pytest.param(TEN_K, "bullet", 12, 360, BULLET_10K, id="bullet-10k"),
    pytest.param(TWO_HUNDRED_K, "equal_instalment", 24, 360, EQUAL_INSTALMENT_200K, id="ei-200k"),
    pytest.param(TWO_HUNDRED_K, "equal_principal", 24, 360, EQUAL_PRINCIPAL_200K, id="ep-200k"),
    pytest.param(TWO_HUNDRED_K, "interest_first", 24, 360, INTEREST_FIRST_200K, id="if-200k"),
    pytest.param(TWO_HUNDRED_K, "bullet", 12, 360, BULLET_200K, id="bullet-200k"),
    pytest.param(
        {"principal": 300_000, "daily_rate": Decimal("0.0004"), "start_date": date(2023, 1, 29)},
        "equal_instalment",
        5,
        365,
        EQUAL_INSTALMENT_29TH_365,
        id="ei-29th-365",
    ),
    pytest.param(
        {"principal": 800_000, "daily_rate": Decimal("0.00035"), "start_date": date(2023, 12, 30)},
        "equal_principal",
        5,
        360,
        EQUAL_PRINCIPAL_30TH,
        id="ep-30th",
    ),
]


@pytest.mark.parametrize(("loan", "method", "term", "day_count", "table"), HEADLINE)
def test_headline_schedule_matches_literal_table(loan, method, term, day_count, table):
    schedule = generate_schedule(**loan, method=method, term_months=term, day_count=day_count)
    assert as_table(schedule) == literal(table)
    assert [row.number for row in schedule] == list(range(1, len(table) + 1))
    period_starts = [loan["start_date"]] + [row.due_date for row in schedule[:-1]]
    assert [row.start_date for row in schedule] == period_starts


@pytest.mark.parametrize(("loan", "method", "term", "day_count", "table"), HEADLINE)
def test_reference_reproduces_literal_table(loan, method, term, day_count, table):
    # Guards the reference itself, so the grid below compares against something checked.
    rows = reference_schedule(
        loan["principal"], loan["daily_rate"], method, term, loan["start_date"], day_count
    )
    assert rows == literal(table)


def test_bullet_over_twelve_months_is_refused():
    with pytest.raises(BusinessRuleViolation) as info:
        generate_schedule(**TWO_HUNDRED_K, method="bullet", term_months=24)
    assert info.value.code == "bullet_term_too_long"
    assert "term_months" in info.value.fields


@pytest.mark.parametrize("method", ["equal_principal", "interest_first", "bullet"])
def test_day_count_only_changes_the_level_payment(method):
    at_360, at_365 = (
        generate_schedule(**TEN_K, method=method, term_months=12, day_count=days)
        for days in (360, 365)
    )
    assert at_360 == at_365


# Starts on the 28th–31st in leap and common years, across February, plus mid-month starts.
GRID_STARTS = [
    date(2023, 1, 29),
    date(2023, 1, 30),
    date(2023, 1, 31),
    date(2024, 1, 29),
    date(2024, 1, 30),
    date(2024, 1, 31),
    date(2023, 12, 31),
    date(2024, 2, 29),
    date(2023, 8, 31),
    date(2025, 11, 30),
    date(2024, 6, 1),
    date(2025, 2, 28),
]


@pytest.mark.parametrize("start", GRID_STARTS, ids=str)
@pytest.mark.parametrize("method", [m.value for m in RepaymentMethod])
@pytest.mark.parametrize("day_count", [360, 365])
@pytest.mark.parametrize("rounding", ["half_up", "half_even", "down", "up"])
def test_schedule_matches_reference(start, method, day_count, rounding):
    for principal, rate, term in [
        (50_000, "0.0005", 5),
        (4_000_000, "0.00035", 20),
        (12_345_679, "0.00019", 36),
        (101, "0", 7),
    ]:
        term = min(term, 12) if method == "bullet" else term
        schedule = generate_schedule(
            principal=principal,
            daily_rate=Decimal(rate),
            method=method,
            term_months=term,
            start_date=start,
            day_count=day_count,
            rounding=rounding,
        )
        expected = reference_schedule(
            principal, Decimal(rate), method, term, start, day_count, rounding
        )
        assert as_table(schedule) == expected


# ---------------------------------------------------------------------------------------------
# Independent reference: exact rationals (Fraction), its own date and rounding code. It shares
# nothing with schedules.py, so a bug has to be made twice, differently, to pass unnoticed.


def reference_due_date(anchor: date, months_after: int) -> date:
    year = anchor.year + (anchor.month - 1 + months_after) // 12
    month = (anchor.month - 1 + months_after) % 12 + 1
    first = date(year, month, 1)
    next_first = date(year + month // 12, month % 12 + 1, 1)
    return first + timedelta(days=min(anchor.day, (next_first - first).days) - 1)


def reference_round(value: Fraction, mode: str) -> int:
    if mode == "half_up":
        return math.floor(value + Fraction(1, 2))
    if mode == "half_even":
        return round(value)  # Fraction rounds ties to even, exactly
    return math.floor(value) if mode == "down" else math.ceil(value)


def reference_schedule(principal, rate, method, term, start, day_count=360, mode="half_up"):
    """Rows (due date, principal, interest, total, balance after) by the written rules."""
    rate = Fraction(rate)
    dues = [reference_due_date(start, k) for k in range(1, term + 1)]
    if method == "bullet":
        dues = dues[-1:]
    monthly = rate * day_count / 12
    if method == "equal_instalment":
        payment = reference_round(
            principal * monthly / (1 - (1 + monthly) ** -term)
            if monthly
            else Fraction(principal, term),
            mode,
        )
    rows, balance, previous = [], principal, start
    for index, due in enumerate(dues):
        interest = reference_round(balance * rate * (due - previous).days, mode)
        if index == len(dues) - 1:
            part = balance
        elif method == "equal_instalment":
            part = min(max(payment - interest, 0), balance)
        elif method == "equal_principal":
            part = principal // term
        else:
            part = 0
        balance -= part
        rows.append((due.isoformat(), part, interest, part + interest, balance))
        previous = due
    return rows
