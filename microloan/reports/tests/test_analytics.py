"""Table tests of the pure analytics on constructed books whose answers were worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microloan.reports import analytics as an
from microloan.reports.analytics import LoanState as S

JAN, FEB, MAR, APR = (dt.date(2026, m, 1) for m in (1, 2, 3, 4))

# The 6-loan book at three month ends: (loan, bucket, principal) per month.
BOOK = {
    "jan": [S(1, "current", 10000), S(2, "current", 20000), S(3, "M1", 5000),
            S(4, "M1", 8000), S(5, "M2", 6000), S(6, "M3+", 3000)],
    "feb": [S(1, "current", 9000), S(2, "M1", 19000), S(3, "current", 4000),
            S(4, "M2", 8000), S(5, "M3", 6000), S(6, "written_off", 3000)],
    "mar": [S(1, "current", 8000), S(2, "M2", 19000), S(3, "closed", 0),
            S(4, "M3", 8000), S(5, "M3+", 6000)],
}  # fmt: skip

# from bucket -> {to state: (loans, principal at start, loans %, principal %)}; cells not listed
# are zero. Worked: 10000/30000 = 33.33…, 20000/30000 = 66.66… → the 0.01 short goes to the
# larger remainder (66.67); 5000/13000 = 38.46|15…, 8000/13000 = 61.53|85… → 61.54.
JAN_FEB = {
    "current": {"current": (1, 10000, "50.00", "33.33"), "M1": (1, 20000, "50.00", "66.67")},
    "M1": {"current": (1, 5000, "50.00", "38.46"), "M2": (1, 8000, "50.00", "61.54")},
    "M2": {"M3": (1, 6000, "100.00", "100.00")},
    "M3": {},
    "M3+": {"written_off": (1, 3000, "100.00", "100.00")},
}
# 9000/13000 = 69.23|08…, 4000/13000 = 30.76|92… → 30.77. Loan 6 left the book in Feb: skipped.
FEB_MAR = {
    "current": {"current": (1, 9000, "50.00", "69.23"), "closed": (1, 4000, "50.00", "30.77")},
    "M1": {"M2": (1, 19000, "100.00", "100.00")},
    "M2": {"M3": (1, 8000, "100.00", "100.00")},
    "M3": {"M3+": (1, 6000, "100.00", "100.00")},
    "M3+": {},
}
# Both pairs pooled, row current: 19000/43000 = 44.18|60…, 20000/43000 = 46.51|16…,
# 4000/43000 = 9.30|23… → floors add to 99.99; the 0.01 goes to current (44.19).
POOLED_CURRENT = {
    "current": (2, 19000, "50.00", "44.19"),
    "M1": (1, 20000, "25.00", "46.51"),
    "closed": (1, 4000, "25.00", "9.30"),
}


def _as_table(matrix: list[an.RollRow]) -> dict:
    return {
        row.from_bucket: {
            cell.to_state: (
                cell.loans,
                cell.principal,
                str(cell.loans_pct),
                str(cell.principal_pct),
            )
            for cell in row.cells
            if cell.loans
        }
        for row in matrix
    }


@pytest.mark.parametrize(
    ("start", "end", "expected"), [("jan", "feb", JAN_FEB), ("feb", "mar", FEB_MAR)]
)
def test_roll_rate_matrix_of_the_six_loan_book(start, end, expected):
    matrix = an.roll_rate_matrix(an.transitions(BOOK[start], BOOK[end]))
    assert _as_table(matrix) == expected
    assert [row.from_bucket for row in matrix] == list(an.BUCKETS)
    for row in matrix:
        assert [cell.to_state for cell in row.cells] == list(an.STATES)
        if row.loans:  # each non-empty row adds up to 100 % by count and by balance
            assert sum(cell.loans_pct for cell in row.cells) == D("100.00")
            assert sum(cell.principal_pct for cell in row.cells) == D("100.00")
        else:
            assert all(cell.loans_pct == cell.principal_pct == D("0.00") for cell in row.cells)


def test_pooled_roll_rates_add_the_counts_of_both_month_pairs():
    moves = an.transitions(BOOK["jan"], BOOK["feb"]) + an.transitions(BOOK["feb"], BOOK["mar"])
    table = _as_table(an.roll_rate_matrix(moves))
    assert table["current"] == POOLED_CURRENT
    assert table["M3+"] == {"written_off": (1, 3000, "100.00", "100.00")}


def test_a_loan_missing_at_the_next_month_end_counts_as_closed():
    moves = an.transitions([S(1, "M1", 700)], [])
    assert moves == [an.Transition("M1", "closed", 1, 700)]


# --- vintages --------------------------------------------------------------------------------

V = S  # rows with vintage, months on book, dpd
VINTAGE_ROWS = [
    # vintage Jan: A 10000, B 20000, C 10000 disbursed (40000, 3 loans)
    V(1, "current", 10000, vintage=JAN, months_on_book=0, dpd=0),
    V(2, "current", 20000, vintage=JAN, months_on_book=0, dpd=0),
    V(3, "current", 10000, vintage=JAN, months_on_book=0, dpd=0),
    V(1, "M1", 9000, vintage=JAN, months_on_book=1, dpd=20),
    V(2, "M2", 19000, vintage=JAN, months_on_book=1, dpd=31),
    V(3, "current", 9000, vintage=JAN, months_on_book=1, dpd=0),
    V(1, "M2", 9000, vintage=JAN, months_on_book=2, dpd=50),
    V(2, "written_off", 19000, vintage=JAN, months_on_book=2, dpd=61),
    V(3, "closed", 0, vintage=JAN, months_on_book=2, dpd=0),
    V(1, "M3", 9000, vintage=JAN, months_on_book=3, dpd=80),
    # vintage Feb: D 50000; exactly 30 days past due is not 30+
    V(4, "current", 50000, vintage=FEB, months_on_book=0, dpd=0),
    V(4, "M1", 48000, vintage=FEB, months_on_book=1, dpd=30),
    V(4, "M3", 48000, vintage=FEB, months_on_book=2, dpd=61),
]
TOTALS = [an.VintageTotal(JAN, 3, 40000), an.VintageTotal(FEB, 1, 50000)]


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        (
            "30+",
            {
                # MOB 1: B 19000 → 19000/40000 = 47.50 %, 1/3 loans; MOB 2: A 9000 + B written
                # off 19000 = 28000 → 70.00 %, 2/3; MOB 3: A still 30+, B's loss stays: 70.00 %
                JAN: [(0, "0.00", "0.00"), (1, "33.33", "47.50"), (2, "66.67", "70.00"),
                      (3, "66.67", "70.00")],
                FEB: [(0, "0.00", "0.00"), (1, "0.00", "0.00"), (2, "100.00", "96.00")],
            },
        ),
        (
            "90+",
            {  # only B's write-off (19000/40000) counts until someone passes 90 days
                JAN: [(0, "0.00", "0.00"), (1, "0.00", "0.00"), (2, "33.33", "47.50"),
                      (3, "33.33", "47.50")],
                FEB: [(0, "0.00", "0.00"), (1, "0.00", "0.00"), (2, "0.00", "0.00")],
            },
        ),
    ],
)  # fmt: skip
def test_vintage_curves(metric, expected):
    curves = an.vintage_curves(an.vintage_cells(VINTAGE_ROWS, metric), TOTALS)
    got = {
        curve.vintage: [
            (p.months_on_book, str(p.loans_pct), str(p.principal_pct)) for p in curve.points
        ]
        for curve in curves
    }
    assert got == expected


def test_a_vintage_without_disbursed_principal_has_undefined_shares():
    cells = [an.VintageCell(JAN, 0, 0, 0)]
    (curve,) = an.vintage_curves(cells, [an.VintageTotal(JAN, 0, 0)])
    assert curve.points[0].principal_pct is None


# --- recovery --------------------------------------------------------------------------------

RECOVERY_START = [
    S(1, "current", 9000, overdue_amount=0),  # owes nothing overdue: not in the rate
    S(2, "M1", 9000, overdue_amount=1000),  # paid 1500: recovered only the 1000 it owed
    S(3, "M1", 9000, overdue_amount=3000),  # paid 600
    S(4, "M2", 9000, overdue_amount=5000),  # paid nothing
    S(5, "M3+", 9000, overdue_amount=8000),  # paid 2000
    S(6, "written_off", 9000, overdue_amount=0),
]
RECEIVED = {1: 400, 2: 1500, 3: 600, 5: 2000, 6: 999}
RECOVERY = [
    # bucket, loans, overdue at start, collected, recovered, rate
    ("M1", 2, 4000, 2100, 1600, "40.00"),
    ("M2", 1, 5000, 0, 0, "0.00"),
    ("M3", 0, 0, 0, 0, None),
    ("M3+", 1, 8000, 2000, 2000, "25.00"),
    ("all", 4, 17000, 4100, 3600, "21.18"),  # 3600/17000 = 21.176…
]


def _text(rate: D | None) -> str | None:
    return None if rate is None else str(rate)


def test_recovery_rate_by_bucket():
    rates = an.recovery_rates(an.recovery_totals(RECOVERY_START, RECEIVED))
    got = [
        (r.bucket, r.loans, r.overdue_amount, r.collected, r.recovered, _text(r.rate))
        for r in rates
    ]
    assert got == RECOVERY


# --- snapshot figures --------------------------------------------------------------------------

SNAPSHOT = [
    an.SnapshotRow("WLD", "normal", "M0", 6, 60000, 0),
    an.SnapshotRow("WLD", "special_mention", "M1", 2, 15000, 3000),
    an.SnapshotRow("WLDE", "normal", "M0", 1, 5000, 0),
    an.SnapshotRow("WLDE", "substandard", "M3+", 1, 20000, 20000),
]


def test_outstanding_by_product_and_category():
    by_product = an.outstanding_by(SNAPSHOT, "product_code")
    assert [(g.key, g.loans, g.principal, str(g.principal_share)) for g in by_product] == [
        ("WLD", 8, 75000, "75.00"),
        ("WLDE", 2, 25000, "25.00"),
    ]
    order = ["normal", "special_mention", "substandard", "doubtful", "loss"]
    by_category = an.outstanding_by(SNAPSHOT, "category", order=order)
    assert [(g.key, g.loans, g.principal, g.overdue_principal) for g in by_category] == [
        ("normal", 7, 65000, 0),
        ("special_mention", 2, 15000, 3000),
        ("substandard", 1, 20000, 20000),
        ("doubtful", 0, 0, 0),
        ("loss", 0, 0, 0),
    ]
    with pytest.raises(ValueError):
        an.outstanding_by(SNAPSHOT, "dpd_bucket")


def test_bucket_distribution_has_every_bucket_and_adds_up_to_100():
    groups = an.bucket_distribution(SNAPSHOT)
    assert [(g.key, g.loans, g.principal, str(g.loans_share)) for g in groups] == [
        ("current", 7, 65000, "70.00"),
        ("M1", 2, 15000, "20.00"),
        ("M2", 0, 0, "0.00"),
        ("M3", 0, 0, "0.00"),
        ("M3+", 1, 20000, "10.00"),
    ]
    assert sum(g.principal_share for g in groups) == D("100.00")


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([1, 1, 1], ["33.34", "33.33", "33.33"]),  # equal remainders: the first gets the unit
        ([0, 0], ["0.00", "0.00"]),
        ([2, 0, 6], ["25.00", "0.00", "75.00"]),
    ],
)
def test_shares_by_largest_remainder(parts, expected):
    assert [str(s) for s in an.shares(parts)] == expected


@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=9))
def test_shares_always_add_up_to_exactly_100_or_0(parts):
    total = sum(an.shares(parts))
    assert total == (D("100.00") if sum(parts) else D("0.00"))
    assert all(share >= 0 for share in an.shares(parts))


@pytest.mark.parametrize(
    ("day", "month_end", "is_end"),
    [
        (dt.date(2026, 2, 27), dt.date(2026, 2, 28), False),
        (dt.date(2026, 2, 28), dt.date(2026, 2, 28), True),
        (dt.date(2028, 2, 28), dt.date(2028, 2, 29), False),  # leap year
        (dt.date(2026, 12, 31), dt.date(2026, 12, 31), True),
    ],
)
def test_month_ends(day, month_end, is_end):
    assert an.month_end(day) == month_end
    assert an.is_month_end(day) is is_end


def test_month_arithmetic():
    assert an.add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert an.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert an.months_between(dt.date(2025, 12, 31), dt.date(2026, 2, 1)) == 2
    assert [an.bucket_of(d) for d in (0, 1, 30, 31, 60, 61, 90, 91)] == [
        "current", "M1", "M1", "M2", "M2", "M3", "M3", "M3+"
    ]  # fmt: skip


@given(
    st.lists(
        st.tuples(
            st.sampled_from(an.BUCKETS),
            st.sampled_from(an.STATES),
            st.integers(min_value=0, max_value=10**9),
        ),
        max_size=40,
    )
)
def test_every_roll_rate_row_with_loans_adds_up_to_100(loans):
    start = [S(i, bucket, principal) for i, (bucket, _to, principal) in enumerate(loans)]
    end = [S(i, to, 0) for i, (_bucket, to, _principal) in enumerate(loans)]
    matrix = an.roll_rate_matrix(an.transitions(start, end))
    assert sum(row.loans for row in matrix) == len(loans)
    for row in matrix:
        if row.loans:
            assert sum(cell.loans_pct for cell in row.cells) == D("100.00")
        if row.principal:
            assert sum(cell.principal_pct for cell in row.cells) == D("100.00")
