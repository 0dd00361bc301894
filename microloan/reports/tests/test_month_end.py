"""The month-end EOD hook on a small synthetic book across a month end, and the SQL
aggregations of the services against the pure aggregators on the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from microloan.batch.registry import Partition, StepContext, eod_steps
from microloan.batch.services import BATCH_ACTOR, run_eod
from microloan.batch.sql import ID_CEILING
from microloan.batch.tests.synthetic import build_synthetic_book
from microloan.kernel.ids import new_public_id
from microloan.lending.models import Loan, LoanTransaction
from microloan.reports import analytics as an
from microloan.reports import services
from microloan.reports.models import LoanMonthEnd, VintageMonthEnd
from microloan.reports.month_end import (
    HOOK_NAME,
    VINTAGE_HOOK_NAME,
    snapshot_loans_at_month_end,
    write_month_end,
    write_vintages,
)

pytestmark = pytest.mark.django_db
EVE = dt.date(2026, 3, 30)
MONTH_END = dt.date(2026, 3, 31)


@pytest.fixture
def book(db):
    build_synthetic_book(loans=60, business_date=EVE, seed=5, overdue_share=0.3, chunk=60)
    return list(Loan.objects.order_by("id").values_list("id", flat=True))


def _close(loan_id: int, status: str, on: dt.date, written_off_principal: int = 0) -> None:
    """Stand-in for payoff / write-off: what the lending services leave on the loan row."""
    Loan.objects.filter(id=loan_id).update(
        status=status, closed_on=on, principal_outstanding=0, overdue_principal=0
    )
    if written_off_principal:
        LoanTransaction.objects.create(
            public_id=new_public_id("txn"),
            loan_id=loan_id,
            kind=LoanTransaction.Kind.WRITE_OFF,
            business_date=on,
            amount=written_off_principal,
            principal=written_off_principal,
        )


def _expected_row(loan: Loan) -> tuple:
    if loan.status == Loan.Status.WRITTEN_OFF:
        bucket, principal = "written_off", 12_345
    elif loan.status == Loan.Status.PAID_OFF:
        bucket, principal = "closed", 0
    else:
        bucket, principal = an.bucket_of(loan.dpd), loan.principal_outstanding
    overdue = (
        loan.overdue_principal + loan.overdue_interest + loan.penalty_receivable
        if loan.status == Loan.Status.ACTIVE
        else 0
    )
    return (
        loan.id,
        loan.product_code,
        loan.start_date.replace(day=1),
        an.months_between(loan.start_date, MONTH_END),
        0 if bucket == "closed" else loan.dpd,
        bucket,
        loan.principal,
        principal,
        overdue,
    )


def _rows() -> list[tuple]:
    return list(
        LoanMonthEnd.objects.filter(month_end=MONTH_END)
        .order_by("loan_id")
        .values_list(
            "loan_id",
            "product_code",
            "vintage",
            "months_on_book",
            "dpd",
            "bucket",
            "disbursed_principal",
            "principal_outstanding",
            "overdue_amount",
        )
    )


def test_the_hook_is_registered_in_the_analytics_slot_before_the_snapshot():
    steps = {step.name: step for step in eod_steps()}
    names = list(steps)
    assert names.index(HOOK_NAME) + 1 == names.index(VINTAGE_HOOK_NAME)
    assert names.index(VINTAGE_HOOK_NAME) + 1 == names.index("portfolio_snapshot")
    assert steps[HOOK_NAME].partitioned and not steps[VINTAGE_HOOK_NAME].partitioned


def test_month_end_rows_are_written_once_across_the_month_end(book):
    paid_off, written_off, closed_in_february = book[0], book[1], book[2]
    _close(paid_off, Loan.Status.PAID_OFF, dt.date(2026, 3, 15))
    _close(written_off, Loan.Status.WRITTEN_OFF, dt.date(2026, 3, 20), 12_345)
    _close(closed_in_february, Loan.Status.PAID_OFF, dt.date(2026, 2, 20))

    run_eod(actor=BATCH_ACTOR, partitions=3)  # 30 March: not a month end
    assert LoanMonthEnd.objects.count() == 0
    run = run_eod(actor=BATCH_ACTOR, partitions=3)  # 31 March
    assert run.business_date == MONTH_END

    loans = Loan.objects.exclude(id=closed_in_february).order_by("id")
    assert _rows() == [_expected_row(loan) for loan in loans]
    assert {r[5] for r in _rows()} >= {"closed", "written_off", "current"}
    step = next(s for s in run.counts["steps"] if s["step"] == HOOK_NAME)
    assert step["rows"] == len(loans) == 59 and step["partitions"] == 3

    # The vintage summary holds the same cells as the pure grouping of the loan rows.
    states = [an.LoanState(r[0], r[5], r[7], 0, r[2], r[3], r[4], r[6]) for r in _rows()]
    for metric in an.VINTAGE_METRICS:
        assert services.vintage_cells(metric) == an.vintage_cells(states, metric)
    vintage_step = next(s for s in run.counts["steps"] if s["step"] == VINTAGE_HOOK_NAME)
    assert vintage_step["rows"] == VintageMonthEnd.objects.count() > 1
    disbursed = {t.vintage: t for t in services.vintage_totals()}
    for vintage, total in disbursed.items():
        loans = Loan.objects.filter(start_date__year=vintage.year, start_date__month=vintage.month)
        assert (total.loans, total.principal) == (
            loans.count(),
            sum(loans.values_list("principal", flat=True)),
        )

    # Rerun for the whole range and for one partition: same rows, no duplicates.
    before = _rows()
    assert write_month_end(MONTH_END, 0, ID_CEILING) == 59
    ctx = StepContext("eod_x", MONTH_END, BATCH_ACTOR, Partition(1, book[10], book[20]))
    assert snapshot_loans_at_month_end(ctx) == 10
    assert _rows() == before
    duplicates = (
        LoanMonthEnd.objects.values("month_end", "loan_id").annotate(n=Count("*")).filter(n__gt=1)
    )
    assert not duplicates.exists()
    columns = [f.name for f in VintageMonthEnd._meta.concrete_fields if f.name != "id"]
    summary = list(VintageMonthEnd.objects.order_by("vintage").values_list(*columns))
    assert write_vintages(MONTH_END) == len(summary)
    assert list(VintageMonthEnd.objects.order_by("vintage").values_list(*columns)) == summary


def test_the_hook_does_nothing_before_the_month_end(book):
    ctx = StepContext("eod_x", EVE, BATCH_ACTOR, Partition(0, 0, ID_CEILING))
    assert snapshot_loans_at_month_end(ctx) == 0
    assert LoanMonthEnd.objects.count() == 0


# --- SQL aggregation == pure aggregation ---------------------------------------------------------

JAN_END, FEB_END = dt.date(2026, 1, 31), dt.date(2026, 2, 28)
JAN = dt.date(2026, 1, 1)


def _states(loan_ids: list[int]) -> dict[dt.date, list[an.LoanState]]:
    a, b, c, d, e, f = loan_ids[:6]
    S = an.LoanState
    return {
        JAN_END: [
            S(a, "current", 10000, 0, JAN, 0, 0, 10000),
            S(b, "current", 20000, 500, JAN, 0, 0, 20000),
            S(c, "M1", 5000, 1200, JAN, 0, 12, 6000),
            S(d, "M1", 8000, 900, JAN, 0, 25, 9000),
            S(e, "M2", 6000, 3000, JAN, 0, 45, 7000),
            S(f, "M3+", 3000, 2500, JAN, 0, 95, 4000),
        ],
        FEB_END: [
            S(a, "current", 9000, 0, JAN, 1, 0, 10000),
            S(b, "M1", 19000, 1500, JAN, 1, 10, 20000),
            S(c, "current", 4000, 0, JAN, 1, 0, 6000),
            S(d, "M2", 8000, 1800, JAN, 1, 40, 9000),
            S(e, "M3", 6000, 4000, JAN, 1, 70, 7000),
            S(f, "written_off", 3000, 0, JAN, 1, 120, 4000),
        ],
    }


def _store(states: dict[dt.date, list[an.LoanState]]) -> None:
    LoanMonthEnd.objects.bulk_create(
        LoanMonthEnd(
            month_end=day,
            loan_id=s.loan_id,
            product_code="WLD",
            vintage=s.vintage,
            months_on_book=s.months_on_book,
            dpd=s.dpd,
            bucket=s.bucket,
            disbursed_principal=s.disbursed_principal,
            principal_outstanding=s.principal,
            overdue_amount=s.overdue_amount,
        )
        for day, rows in states.items()
        for s in rows
    )


def _pay(loan_id: int, on: dt.date, kind: str, *, principal=0, interest=0, penalty=0) -> None:
    LoanTransaction.objects.create(
        public_id=new_public_id("txn"),
        loan_id=loan_id,
        kind=kind,
        business_date=on,
        amount=principal + interest + penalty,
        principal=principal,
        interest=interest,
        penalty=penalty,
    )


def test_the_sql_aggregations_match_the_pure_ones(book):
    states = _states(book)
    _store(states)
    _a, b, c, d, e, f = book[:6]
    feb = dt.date(2026, 2, 1)
    _pay(c, dt.date(2026, 2, 10), LoanTransaction.Kind.REPAYMENT, principal=1000, interest=400)
    _pay(d, dt.date(2026, 2, 28), LoanTransaction.Kind.REPAYMENT, interest=300, penalty=20)
    _pay(e, dt.date(2026, 3, 1), LoanTransaction.Kind.REPAYMENT, principal=999)  # March
    _pay(f, dt.date(2026, 2, 5), LoanTransaction.Kind.WRITE_OFF, principal=3000)  # not money
    _pay(b, dt.date(2026, 2, 6), LoanTransaction.Kind.PREPAYMENT, principal=800)

    moves = services.month_transitions(JAN_END, FEB_END)
    assert sorted(moves, key=str) == sorted(
        an.transitions(states[JAN_END], states[FEB_END]), key=str
    )
    write_vintages(JAN_END)
    write_vintages(FEB_END)
    for metric in an.VINTAGE_METRICS:
        everything = states[JAN_END] + states[FEB_END]
        assert services.vintage_cells(metric) == an.vintage_cells(everything, metric)

    received = {c: 1400, d: 320, b: 800}
    expected = an.recovery_totals(states[JAN_END], received)
    assert sorted(services.recovery_totals(feb), key=str) == sorted(expected, key=str)
    by_bucket = {row.bucket: row for row in expected}
    # M1 at the start: c owed 1200 and paid 1400 (1200 recovered), d owed 900 and paid 320.
    assert by_bucket["M1"] == an.BucketRecovery("M1", 2, 2100, 1720, 1520)
    assert by_bucket["current"] == an.BucketRecovery("current", 1, 500, 800, 500)
