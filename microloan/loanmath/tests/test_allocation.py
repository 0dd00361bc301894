"""Repayment allocation: tables per order, partial/exact/over payments, and invariants."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microloan.kernel.errors import ValidationFailed
from microloan.loanmath.allocation import (
    COMPONENTS,
    DEFAULT_ORDER,
    InstalmentDue,
    allocate_payment,
)

# Instalment 1 overdue (penalty 50, interest 300, principal 1000), instalment 2 overdue
# (penalty 20, interest 200, principal 1000), instalment 3 due today (interest 100, principal 1000).
BOOK = [
    InstalmentDue(3, date(2026, 3, 1), False, principal_due=1000, interest_due=100),
    InstalmentDue(1, date(2026, 1, 1), True, principal_due=1000, interest_due=300, penalty_due=50),
    InstalmentDue(2, date(2026, 2, 1), True, principal_due=1000, interest_due=200, penalty_due=20),
]
TOTAL_DUE = 50 + 300 + 1000 + 20 + 200 + 1000 + 100 + 1000  # 3670

INTEREST_FIRST = [
    "penalty",
    "overdue_interest",
    "current_interest",
    "overdue_principal",
    "current_principal",
]
PRINCIPAL_FIRST = [
    "overdue_principal",
    "current_principal",
    "overdue_interest",
    "current_interest",
    "penalty",
]


def _split(allocation):
    """{number: (penalty, interest, principal)} for compact expected tables."""
    return {
        row.number: (row.penalty, row.interest, row.principal) for row in allocation.instalments
    }


@pytest.mark.parametrize(
    ("amount", "order", "expected", "unapplied"),
    [
        # Default order: all penalties, then overdue interest oldest first, overdue principal…
        (0, DEFAULT_ORDER, {1: (0, 0, 0), 2: (0, 0, 0), 3: (0, 0, 0)}, 0),
        (60, DEFAULT_ORDER, {1: (50, 0, 0), 2: (10, 0, 0), 3: (0, 0, 0)}, 0),
        (70, DEFAULT_ORDER, {1: (50, 0, 0), 2: (20, 0, 0), 3: (0, 0, 0)}, 0),
        (400, DEFAULT_ORDER, {1: (50, 300, 0), 2: (20, 30, 0), 3: (0, 0, 0)}, 0),
        (1570, DEFAULT_ORDER, {1: (50, 300, 1000), 2: (20, 200, 0), 3: (0, 0, 0)}, 0),
        (2600, DEFAULT_ORDER, {1: (50, 300, 1000), 2: (20, 200, 1000), 3: (0, 30, 0)}, 0),
        (TOTAL_DUE, DEFAULT_ORDER, {1: (50, 300, 1000), 2: (20, 200, 1000), 3: (0, 100, 1000)}, 0),
        (
            TOTAL_DUE + 1234,
            DEFAULT_ORDER,
            {1: (50, 300, 1000), 2: (20, 200, 1000), 3: (0, 100, 1000)},
            1234,
        ),
        # Interest before any principal: current interest is paid before overdue principal.
        (700, INTEREST_FIRST, {1: (50, 300, 30), 2: (20, 200, 0), 3: (0, 100, 0)}, 0),
        # Principal first: penalties are what is left unpaid of a partial payment.
        (2500, PRINCIPAL_FIRST, {1: (0, 0, 1000), 2: (0, 0, 1000), 3: (0, 0, 500)}, 0),
        (3590, PRINCIPAL_FIRST, {1: (0, 300, 1000), 2: (0, 200, 1000), 3: (0, 90, 1000)}, 0),
        (3650, PRINCIPAL_FIRST, {1: (50, 300, 1000), 2: (0, 200, 1000), 3: (0, 100, 1000)}, 0),
    ],
)
def test_allocation_table(amount, order, expected, unapplied):
    allocation = allocate_payment(amount=amount, instalments=BOOK, order=order)
    assert _split(allocation) == expected
    assert allocation.unapplied == unapplied
    assert allocation.applied + allocation.unapplied == amount


def test_rows_come_back_oldest_first_whatever_the_input_order():
    allocation = allocate_payment(amount=10, instalments=BOOK, order=DEFAULT_ORDER)
    assert [row.number for row in allocation.instalments] == [1, 2, 3]


def test_same_due_date_pays_the_lower_number_first():
    day = date(2026, 1, 1)
    rows = [
        InstalmentDue(2, day, True, principal_due=100, interest_due=0),
        InstalmentDue(1, day, True, principal_due=100, interest_due=0),
    ]
    allocation = allocate_payment(amount=150, instalments=rows, order=DEFAULT_ORDER)
    assert _split(allocation) == {1: (0, 0, 100), 2: (0, 0, 50)}


def test_totals_by_component_and_kind():
    allocation = allocate_payment(amount=2600, instalments=BOOK, order=DEFAULT_ORDER)
    assert allocation.component_totals() == {
        "penalty": 70,
        "overdue_interest": 500,
        "overdue_principal": 2000,
        "current_interest": 30,
        "current_principal": 0,
    }
    assert (allocation.penalty, allocation.interest, allocation.principal) == (70, 530, 2000)


def test_current_components_never_touch_overdue_instalments_and_vice_versa():
    current_only = ["current_principal", "current_interest", *DEFAULT_ORDER[:3]]
    allocation = allocate_payment(amount=1150, instalments=BOOK, order=current_only)
    assert _split(allocation) == {1: (50, 0, 0), 2: (0, 0, 0), 3: (0, 100, 1000)}


def test_no_instalments_leaves_everything_unapplied():
    allocation = allocate_payment(amount=500, instalments=[], order=DEFAULT_ORDER)
    assert allocation.instalments == ()
    assert allocation.unapplied == 500


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"amount": -1}, "invalid_amount", "amount"),
        ({"amount": 1.5}, "invalid_amount", "amount"),
        ({"amount": True}, "invalid_amount", "amount"),
        ({"order": DEFAULT_ORDER[:4]}, "invalid_allocation_order", "order"),
        ({"order": [*DEFAULT_ORDER[:4], "penalty"]}, "invalid_allocation_order", "order"),
        ({"order": [*DEFAULT_ORDER, "fees"]}, "invalid_allocation_order", "order"),
        ({"order": "penalty"}, "invalid_allocation_order", "order"),
        ({"order": [1, *DEFAULT_ORDER[1:]]}, "invalid_allocation_order", "order"),
        (
            {"instalments": [InstalmentDue(1, date(2026, 1, 1), True, -1, 0)]},
            "invalid_amount_due",
            "instalments[0]",
        ),
        (
            {"instalments": [BOOK[0], BOOK[0]]},
            "duplicate_instalment",
            "instalments[1]",
        ),
    ],
)
def test_bad_input_is_refused_with_code_and_field(kwargs, code, field):
    arguments = {"amount": 100, "instalments": BOOK, "order": DEFAULT_ORDER, **kwargs}
    with pytest.raises(ValidationFailed) as refused:
        allocate_payment(**arguments)
    assert refused.value.code == code
    assert field in refused.value.fields


_dues = st.lists(
    st.builds(
        InstalmentDue,
        number=st.integers(1, 10_000),
        due_date=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
        is_overdue=st.booleans(),
        principal_due=st.integers(0, 10**7),
        interest_due=st.integers(0, 10**6),
        penalty_due=st.integers(0, 10**5),
    ),
    max_size=8,
    unique_by=lambda row: row.number,
)


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(0, 3 * 10**7), dues=_dues, order=st.permutations(COMPONENTS))
def test_payment_is_conserved_and_never_overpays(amount, dues, order):
    allocation = allocate_payment(amount=amount, instalments=dues, order=order)
    applied = sum(row.total for row in allocation.instalments)
    assert applied + allocation.unapplied == amount
    owed = {row.number: row for row in dues}
    for row in allocation.instalments:
        due = owed[row.number]
        assert 0 <= row.penalty <= due.penalty_due
        assert 0 <= row.interest <= due.interest_due
        assert 0 <= row.principal <= due.principal_due
    total_due = sum(r.principal_due + r.interest_due + r.penalty_due for r in dues)
    # Something is left unapplied only when everything due is paid.
    assert allocation.unapplied == max(amount - total_due, 0)
