"""Reading the ledger: trial balance, statements with running balances, balances by loan and
product, and the entry list."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from microloan.kernel.errors import NotFound, ValidationFailed
from microloan.ledger import accounts as gl
from microloan.ledger.reports import NO_PRODUCT
from microloan.ledger.services import (
    account_balances,
    account_statement,
    get_entry,
    gl_balances_by_loan,
    gl_balances_by_product,
    list_entries,
    post_entry,
    trial_balance,
)

from .helpers import dr_cr

pytestmark = pytest.mark.django_db

D1, D2, D3, D4 = (dt.date(2026, 3, day) for day in (1, 2, 3, 4))


def post(actor, entry_type, day, lines, *, loan_id=None, product_code="WLD"):
    return post_entry(
        actor=actor,
        entry_type=entry_type,
        business_date=day,
        lines=lines,
        loan_id=loan_id,
        product_code=product_code,
    )


@pytest.fixture
def book(system):
    """Two loans of WLD over four days, and an accrual of another product.

    D1 disburse loan_a 1000.00, loan_b 500.00; D2 accrue 3.00 interest (WLD) and 1.00 (BIZ);
    D3 loan_a repays 203.00 (3.00 interest, 200.00 principal); D4 loan_b disburses 100.00 more.
    """
    return [
        post(
            system,
            "disbursement",
            D1,
            dr_cr(gl.LOANS_PRINCIPAL, gl.BANK_CLEARING, 100_000),
            loan_id="loan_a",
        ),
        post(
            system,
            "disbursement",
            D1,
            dr_cr(gl.LOANS_PRINCIPAL, gl.BANK_CLEARING, 50_000),
            loan_id="loan_b",
        ),
        post(
            system, "interest_accrual", D2, dr_cr(gl.INTEREST_RECEIVABLE, gl.INTEREST_INCOME, 300)
        ),
        post(
            system,
            "interest_accrual",
            D2,
            dr_cr(gl.INTEREST_RECEIVABLE, gl.INTEREST_INCOME, 100),
            product_code="BIZ",
        ),
        post(
            system,
            "repayment",
            D3,
            [
                {"account": gl.BANK_CLEARING, "debit": 20_300},
                {"account": gl.INTEREST_RECEIVABLE, "credit": 300},
                {"account": gl.LOANS_PRINCIPAL, "credit": 20_000},
            ],
            loan_id="loan_a",
        ),
        post(
            system,
            "disbursement",
            D4,
            dr_cr(gl.LOANS_PRINCIPAL, gl.BANK_CLEARING, 10_000),
            loan_id="loan_b",
        ),
    ]


def by_code(report):
    return {row.code: (row.debit_total, row.credit_total, row.balance) for row in report}


def test_the_trial_balance_lists_every_account_and_balances(book):
    report = trial_balance()
    assert len(report) == len(gl.CHART)
    rows = by_code(report)
    assert rows[gl.LOANS_PRINCIPAL] == (160_000, 20_000, 140_000)
    assert rows[gl.BANK_CLEARING] == (20_300, 160_000, -139_700)
    assert rows[gl.INTEREST_RECEIVABLE] == (400, 300, 100)
    assert rows[gl.INTEREST_INCOME] == (0, 400, 400)
    assert rows[gl.FEE_INCOME] == (0, 0, 0)
    assert report.total_debit == report.total_credit == 180_700
    assert report.total_debit_balance == report.total_credit_balance == 140_100
    assert report.balanced


def test_the_trial_balance_as_of_a_date_leaves_out_later_lines(book):
    report = trial_balance(as_of=D2)
    assert by_code(report)[gl.LOANS_PRINCIPAL] == (150_000, 0, 150_000)
    assert report.total_debit == report.total_credit == 150_400
    assert report.as_of == D2
    assert trial_balance(as_of=D1 - dt.timedelta(days=1)).total_debit == 0


def test_the_trial_balance_is_one_aggregate_query_plus_the_chart(book):
    with CaptureQueriesContext(connection) as queries:
        trial_balance()
    assert len(queries) == 2
    assert "GROUP BY" in queries[0]["sql"].upper()


def test_a_statement_runs_the_balance_from_the_opening_balance(book):
    statement = account_statement(account_code=gl.BANK_CLEARING, date_from=D3, date_to=D4)
    assert statement.opening_balance == -150_000
    assert [(ln.business_date, ln.debit, ln.credit, ln.balance) for ln in statement.lines] == [
        (D3, 20_300, 0, -129_700),
        (D4, 0, 10_000, -139_700),
    ]
    assert (statement.total_debit, statement.total_credit) == (20_300, 10_000)
    assert statement.closing_balance == -139_700
    assert statement.line_count == 2
    assert statement.lines[0].entry_id == book[4].public_id
    assert statement.lines[0].entry_type == "repayment"


def test_a_credit_normal_account_runs_its_balance_on_the_credit_side(book):
    statement = account_statement(account_code=gl.INTEREST_INCOME, date_from=D1, date_to=D4)
    assert statement.opening_balance == 0
    assert [ln.balance for ln in statement.lines] == [300, 400]
    assert statement.closing_balance == 400


def test_a_statement_for_one_loan(book):
    statement = account_statement(
        account_code=gl.LOANS_PRINCIPAL, date_from=D2, date_to=D4, loan_id="loan_b"
    )
    assert statement.opening_balance == 50_000
    assert [ln.balance for ln in statement.lines] == [60_000]
    assert statement.closing_balance == 60_000


def test_every_page_of_a_statement_carries_the_true_running_balance(system):
    for day in range(1, 8):
        post(system, "fee", dt.date(2026, 3, day), dr_cr(gl.BANK_CLEARING, gl.FEE_INCOME, day))
    whole = account_statement(account_code=gl.FEE_INCOME, date_from=D2, date_to=dt.date(2026, 3, 7))
    page = account_statement(
        account_code=gl.FEE_INCOME,
        date_from=D2,
        date_to=dt.date(2026, 3, 7),
        offset=2,
        limit=2,
    )
    assert [ln.balance for ln in whole.lines] == [3, 6, 10, 15, 21, 28]
    assert page.lines == whole.lines[2:4]
    assert (page.opening_balance, page.closing_balance, page.line_count) == (1, 28, 6)


def test_a_statement_of_an_unknown_account_or_a_backwards_range_is_refused(book):
    with pytest.raises(NotFound) as unknown:
        account_statement(account_code="9999", date_from=D1, date_to=D2)
    assert unknown.value.code == "unknown_account"
    with pytest.raises(ValidationFailed) as backwards:
        account_statement(account_code=gl.BANK_CLEARING, date_from=D2, date_to=D1)
    assert "date_to" in backwards.value.fields


def test_account_balances_by_loan_product_and_date(book):
    principal_and_interest = [gl.LOANS_PRINCIPAL, gl.INTEREST_RECEIVABLE]
    assert account_balances(account_codes=principal_and_interest, loan_id="loan_a") == {
        gl.LOANS_PRINCIPAL: 80_000,
        gl.INTEREST_RECEIVABLE: -300,  # the accrual is per product, the repayment per loan
    }
    assert account_balances(account_codes=principal_and_interest, product_code="BIZ") == {
        gl.LOANS_PRINCIPAL: 0,
        gl.INTEREST_RECEIVABLE: 100,
    }
    balances = account_balances(as_of=D1)
    assert set(balances) == {spec.code for spec in gl.CHART}
    assert balances[gl.LOANS_PRINCIPAL] == 150_000


def test_gl_balances_by_loan_come_from_one_grouped_query(book):
    with CaptureQueriesContext(connection) as queries:
        balances = gl_balances_by_loan(account_codes=[gl.LOANS_PRINCIPAL, gl.INTEREST_RECEIVABLE])
    assert balances == {
        "loan_a": {gl.LOANS_PRINCIPAL: 80_000, gl.INTEREST_RECEIVABLE: -300},
        "loan_b": {gl.LOANS_PRINCIPAL: 60_000},
    }
    assert sum("GROUP BY" in q["sql"].upper() for q in queries) == 1
    assert gl_balances_by_loan(account_codes=[gl.LOANS_PRINCIPAL], loan_ids=["loan_b"]) == {
        "loan_b": {gl.LOANS_PRINCIPAL: 60_000}
    }


def test_gl_balances_by_product_keep_lines_without_a_product(book, system):
    post(system, "fee", D4, dr_cr(gl.BANK_CLEARING, gl.FEE_INCOME, 50), product_code=None)
    assert gl_balances_by_product(account_codes=[gl.INTEREST_RECEIVABLE, gl.FEE_INCOME]) == {
        "WLD": {gl.INTEREST_RECEIVABLE: 0},
        "BIZ": {gl.INTEREST_RECEIVABLE: 100},
        NO_PRODUCT: {gl.FEE_INCOME: 50},
    }


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, [5, 4, 2, 3, 0, 1]),
        ({"date_from": D2, "date_to": D3}, [4, 2, 3]),
        ({"entry_type": "disbursement"}, [5, 0, 1]),
        ({"loan_id": "loan_b"}, [5, 1]),
        ({"product_code": "BIZ"}, [3]),
        ({"account": gl.INTEREST_RECEIVABLE}, [4, 2, 3]),
        ({"account": gl.FEE_INCOME}, []),
    ],
)
def test_entries_are_listed_newest_first_by_filter(book, filters, expected):
    page = list_entries(**filters)
    newest_first = sorted(range(6), key=lambda i: (-book[i].business_date.toordinal(), -book[i].pk))
    assert [e.public_id for e in page.items] == [
        book[i].public_id for i in newest_first if i in expected
    ]
    assert page.total == len(expected)


def test_entries_are_paginated(book):
    page = list_entries(page=2, page_size=4)
    assert (len(page.items), page.total, page.page, page.page_size) == (2, 6, 2, 4)


@pytest.mark.parametrize("paging", [{"page": 0}, {"page_size": 0}, {"page_size": 201}])
def test_a_bad_page_is_refused(book, paging):
    with pytest.raises(ValidationFailed) as refused:
        list_entries(**paging)
    assert refused.value.code == "invalid_page"


def test_an_entry_is_read_with_its_lines(book):
    entry = get_entry(entry_id=book[4].public_id)
    assert [line.account.code for line in entry.lines.all()] == [
        gl.BANK_CLEARING,
        gl.INTEREST_RECEIVABLE,
        gl.LOANS_PRINCIPAL,
    ]
    with pytest.raises(NotFound):
        get_entry(entry_id="je_missing")
