"""Golden schedules, to the fen.

The literal tables below were derived once with the Fraction reference at the bottom of this
file (which shares no code with ``schedules.py``) and checked by hand on the headline figures.
10,000.00 at 0.05 %/day over 12 months from 15 Mar 2025 has periods of 31, 30, 31, 30, 31, 31,
30, 31, 30, 31, 31 and 28 days (365 in all); the level payment that repays it exactly with
interest on those days is 91,845.287… fen (an independent 60-digit Decimal evaluation of
P / Σ_k Π_{j≤k} 1/(1 + 0.0005 × d_j) agrees), so 918.45. Each row's interest is outstanding ×
daily rate × days: 10,000.00 × 0.0005 × 31 = 155.00, principal 918.45 − 155.00 = 763.45;
9,236.55 × 0.0005 × 30 = 138.548 → 138.55; … 905.80 × 0.0005 × 28 = 12.681 → 12.68, so the
last instalment is 905.80 + 12.68 = 918.48: 3 fen of rounding residue, under the bound of 13
(see ``residue_bound`` in test_schedules.py). The nominal-rate annuity (916.80, as this engine
once used) left 21.57 yuan in the last instalment instead. The 200,000.00 loan starts on
31 Jan 2024, so its first period ends on 29 Feb (leap year, 29 days: 200,000.00 × 0.0002 × 29 =
1,160.00) and its dates go back to the 31st where the month has one; exact A = 898,104.618…
fen → 8,981.05, last 8,980.96 (−9 fen; bound 25). The day count changes no schedule.
Columns: due date, principal, interest, total, balance after.
"""

import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from microloan.kernel.errors import BusinessRuleViolation
from microloan.loanmath.schedules import RepaymentMethod, generate_schedule

from .test_schedules import residue_bound

EQUAL_INSTALMENT_10K = [
    ("2025-04-15", "763.45", "155.00", "918.45", "9236.55"),
    ("2025-05-15", "779.90", "138.55", "918.45", "8456.65"),
    ("2025-06-15", "787.37", "131.08", "918.45", "7669.28"),
    ("2025-07-15", "803.41", "115.04", "918.45", "6865.87"),
    ("2025-08-15", "812.03", "106.42", "918.45", "6053.84"),
    ("2025-09-15", "824.62", "93.83", "918.45", "5229.22"),
    ("2025-10-15", "840.01", "78.44", "918.45", "4389.21"),
    ("2025-11-15", "850.42", "68.03", "918.45", "3538.79"),
    ("2025-12-15", "865.37", "53.08", "918.45", "2673.42"),
    ("2026-01-15", "877.01", "41.44", "918.45", "1796.41"),
    ("2026-02-15", "890.61", "27.84", "918.45", "905.80"),
    ("2026-03-15", "905.80", "12.68", "918.48", "0.00"),
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
    ("2024-02-29", "7821.05", "1160.00", "8981.05", "192178.95"),
    ("2024-03-31", "7789.54", "1191.51", "8981.05", "184389.41"),
    ("2024-04-30", "7874.71", "1106.34", "8981.05", "176514.70"),
    ("2024-05-31", "7886.66", "1094.39", "8981.05", "168628.04"),
    ("2024-06-30", "7969.28", "1011.77", "8981.05", "160658.76"),
    ("2024-07-31", "7984.97", "996.08", "8981.05", "152673.79"),
    ("2024-08-31", "8034.47", "946.58", "8981.05", "144639.32"),
    ("2024-09-30", "8113.21", "867.84", "8981.05", "136526.11"),
    ("2024-10-31", "8134.59", "846.46", "8981.05", "128391.52"),
    ("2024-11-30", "8210.70", "770.35", "8981.05", "120180.82"),
    ("2024-12-31", "8235.93", "745.12", "8981.05", "111944.89"),
    ("2025-01-31", "8286.99", "694.06", "8981.05", "103657.90"),
    ("2025-02-28", "8400.57", "580.48", "8981.05", "95257.33"),
    ("2025-03-31", "8390.45", "590.60", "8981.05", "86866.88"),
    ("2025-04-30", "8459.85", "521.20", "8981.05", "78407.03"),
    ("2025-05-31", "8494.93", "486.12", "8981.05", "69912.10"),
    ("2025-06-30", "8561.58", "419.47", "8981.05", "61350.52"),
    ("2025-07-31", "8600.68", "380.37", "8981.05", "52749.84"),
    ("2025-08-31", "8654.00", "327.05", "8981.05", "44095.84"),
    ("2025-09-30", "8716.47", "264.58", "8981.05", "35379.37"),
    ("2025-10-31", "8761.70", "219.35", "8981.05", "26617.67"),
    ("2025-11-30", "8821.34", "159.71", "8981.05", "17796.33"),
    ("2025-12-31", "8870.71", "110.34", "8981.05", "8925.62"),
    ("2026-01-31", "8925.62", "55.34", "8980.96", "0.00"),
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
# (3,000.00 × 0.0004 × 30 = 36.00), then 29 days back to the 29th (2,414.23 × 0.0004 × 29).
EQUAL_INSTALMENT_29TH_365 = [
    ("2023-02-28", "585.77", "36.00", "621.77", "2414.23"),
    ("2023-03-29", "593.76", "28.01", "621.77", "1820.47"),
    ("2023-04-29", "599.20", "22.57", "621.77", "1221.27"),
    ("2023-05-29", "607.11", "14.66", "621.77", "614.16"),
    ("2023-06-29", "614.16", "7.62", "621.78", "0.00"),
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
    pytest.param(TEN_K, "equal_instalment", 12, 360, EQUAL_INSTALMENT_10K, id="ei-10k-360"),
    pytest.param(TEN_K, "equal_instalment", 12, 365, EQUAL_INSTALMENT_10K, id="ei-10k-365"),
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
        loan["principal"], loan["daily_rate"], method, term, loan["start_date"]
    )
    assert rows == literal(table)


@pytest.mark.parametrize(
    ("loan", "table"),
    [(TEN_K, EQUAL_INSTALMENT_10K), (TWO_HUNDRED_K, EQUAL_INSTALMENT_200K)],
    ids=["10k", "200k"],
)
def test_headline_equal_instalments_are_level(loan, table):
    # Checkable on the literal table alone: every total but the last is the same, and the last
    # differs by rounding residue only (+3 fen of at most 13; −9 fen of at most 25).
    totals = [fen(total) for _, _, _, total, _ in table]
    assert len(set(totals[:-1])) == 1
    dues = [date.fromisoformat(due) for due, *_ in table]
    days = [
        (due - start).days for start, due in zip([loan["start_date"], *dues], dues, strict=False)
    ]
    assert abs(totals[-1] - totals[0]) <= residue_bound(loan["daily_rate"], days)


def test_bullet_over_twelve_months_is_refused():
    with pytest.raises(BusinessRuleViolation) as info:
        generate_schedule(**TWO_HUNDRED_K, method="bullet", term_months=24)
    assert info.value.code == "bullet_term_too_long"
    assert "term_months" in info.value.fields


@pytest.mark.parametrize("method", [m.value for m in RepaymentMethod])
def test_day_count_changes_no_schedule(method):
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
        expected = reference_schedule(principal, Decimal(rate), method, term, start, rounding)
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


def reference_schedule(principal, rate, method, term, start, mode="half_up"):
    """Rows (due date, principal, interest, total, balance after) by the written rules.

    Equal instalment: the payment whose present value, discounting each period by 1 + rate ×
    its actual days, is the principal, rounded once.
    """
    rate = Fraction(rate)
    dues = [reference_due_date(start, k) for k in range(1, term + 1)]
    if method == "bullet":
        dues = dues[-1:]
    if method == "equal_instalment":
        discount, present_value_of_one = Fraction(1), Fraction(0)
        for previous, due in zip([start, *dues], dues, strict=False):
            discount /= 1 + rate * (due - previous).days
            present_value_of_one += discount
        payment = reference_round(principal / present_value_of_one, mode)
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
