"""Analytics read services: parse the asked period, aggregate in SQL, finish in analytics.py.

Every function needs ``reports.view_reports``. Nothing here writes. Dates and months are
checked all at once (``ValidationFailed`` with every bad field): malformed, or after the
business date, is refused. The heavy part of each figure is one ``GROUP BY`` over the
month-end table or the portfolio snapshot; Python only sees grouped totals.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from microloan.batch.interface import latest_snapshot_date, snapshot_dates, snapshot_lines
from microloan.batch.sql import date_literal
from microloan.kernel.actors import Actor
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.services import get_business_date
from microloan.lending.classification import Category
from microloan.lending.interface import borrower_payments_by_loan_sql

from . import analytics as an
from .models import LoanMonthEnd, VintageMonthEnd

PERM_VIEW = "reports.view_reports"
MAX_ROLL_MONTHS = 24
HISTORY_POINTS = 12
TABLE = LoanMonthEnd._meta.db_table
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ON_BOOK = ", ".join(f"'{bucket}'" for bucket in an.BUCKETS)


# --- input ----------------------------------------------------------------------------------------


def parse_date(text: str | None, *, field: str, today: dt.date, problems: dict) -> dt.date | None:
    """``YYYY-MM-DD`` not after ``today``; problems go into ``problems[field]``."""
    if text in (None, ""):
        return None
    try:  # the pattern first: fromisoformat() also takes "20260331" and "2026-W13-2"
        if not _DATE.match(str(text).strip()):
            raise ValueError
        day = dt.date.fromisoformat(str(text).strip())
    except ValueError:
        problems[field] = _("Give a date as YYYY-MM-DD.")
        return None
    if day > today:
        problems[field] = _("The date is after the business date.")
        return None
    return day


def parse_month(text: str | None, *, field: str, today: dt.date, problems: dict) -> dt.date | None:
    """``YYYY-MM`` (first day returned) not after ``today``'s month."""
    if text in (None, ""):
        return None
    match = _MONTH.match(str(text).strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        problems[field] = _("Give a month as YYYY-MM.")
        return None
    month = dt.date(int(match.group(1)), int(match.group(2)), 1)
    if month > today.replace(day=1):
        problems[field] = _("The month is after the business date.")
        return None
    return month


def parse_metric(text: str | None, problems: dict) -> str:
    """ "30+" or "90+". A "+" in a query string arrives as a space, so "30 " and "30" count."""
    metric = (text or "30+").strip()
    metric = metric if metric.endswith("+") else f"{metric}+"
    if metric not in an.VINTAGE_METRICS:
        problems["metric"] = _("The metric must be 30+ or 90+.")
    return metric


def _refuse(problems: dict) -> None:
    if problems:
        raise ValidationFailed(fields=problems)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


# --- portfolio and buckets (daily snapshot) -------------------------------------------------------


@dataclass(frozen=True)
class PortfolioReport:
    date: dt.date | None  # the snapshot shown (None: no snapshot yet)
    loans: int
    principal: int
    by_product: list[an.Group]
    by_category: list[an.Group]
    buckets: list[an.Group]


def _snapshot_date(asked: dt.date | None) -> dt.date | None:
    """The snapshot asked for, or the latest one on or before the business date."""
    if asked is not None:
        return asked
    return latest_snapshot_date(get_business_date())


def _snapshot_rows(day: dt.date | None) -> list[an.SnapshotRow]:
    if day is None:
        return []
    return [
        an.SnapshotRow(
            line.product_code,
            line.category,
            line.dpd_bucket,
            line.loan_count,
            line.principal_outstanding,
            line.overdue_principal,
        )
        for line in snapshot_lines(day)
    ]


def portfolio(*, actor: Actor, date: str | None = None) -> PortfolioReport:
    """Outstanding by product and by five-category class, and the DPD buckets, on a date."""
    actor.require(PERM_VIEW)
    problems: dict = {}
    asked = parse_date(date, field="date", today=get_business_date(), problems=problems)
    _refuse(problems)
    day = _snapshot_date(asked)
    rows = _snapshot_rows(day)
    return PortfolioReport(
        date=day,
        loans=sum(r.loan_count for r in rows),
        principal=sum(r.principal_outstanding for r in rows),
        by_product=an.outstanding_by(rows, "product_code"),
        by_category=an.outstanding_by(rows, "category", order=[str(c) for c in Category]),
        buckets=an.bucket_distribution(rows),
    )


def bucket_history(*, actor: Actor, points: int = HISTORY_POINTS) -> list[PortfolioReport]:
    """DPD buckets at the last ``points`` month ends with a snapshot, and the latest day."""
    actor.require(PERM_VIEW)
    dates = sorted(snapshot_dates(get_business_date()))
    chosen = [d for d in dates if an.is_month_end(d)][-points:]
    if dates and dates[-1] not in chosen:
        chosen = [*chosen[-(points - 1) :], dates[-1]] if points > 1 else [dates[-1]]
    return [portfolio(actor=actor, date=day.isoformat()) for day in chosen]


# --- roll rates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RollRates:
    from_month: dt.date
    to_month: dt.date
    pairs: list[tuple[dt.date, dt.date, list[an.RollRow]]]  # month end → next month end
    pooled: list[an.RollRow]


def _latest_month_end() -> dt.date | None:
    latest = LoanMonthEnd.objects.aggregate(latest=Max("month_end"))["latest"]
    return _as_date(latest) if latest else None


def month_transitions(start: dt.date, end: dt.date) -> list[an.Transition]:
    """analytics.transitions for two month ends, as one GROUP BY over the month-end table."""
    return [
        an.Transition(from_bucket, to_state, int(loans), int(principal or 0))
        for from_bucket, to_state, loans, principal in _rows(
            f"SELECT a.bucket, COALESCE(b.bucket, '{an.CLOSED}'), COUNT(*),"
            f" SUM(a.principal_outstanding) FROM {TABLE} a"
            f" LEFT JOIN {TABLE} b ON b.loan_id = a.loan_id AND b.month_end = {date_literal(end)}"
            f" WHERE a.month_end = {date_literal(start)} AND a.bucket IN ({_ON_BOOK})"
            " GROUP BY a.bucket, COALESCE(b.bucket, 'closed')"
        )
    ]


def roll_rates(
    *, actor: Actor, from_month: str | None = None, to_month: str | None = None
) -> RollRates:
    """Month-on-month bucket transitions for each month from ``from_month`` to ``to_month``.

    Each pair is (close of month m, close of month m + 1); ``pooled`` adds the counts and
    balances of all pairs. Default: the last month with a month-end snapshot and the one
    before it.
    """
    actor.require(PERM_VIEW)
    today = get_business_date()
    problems: dict = {}
    first = parse_month(from_month, field="from_month", today=today, problems=problems)
    last = parse_month(to_month, field="to_month", today=today, problems=problems)
    if first and last and last <= first:
        problems["to_month"] = _("The month must be after from_month.")
    elif first and last and an.months_between(first, last) > MAX_ROLL_MONTHS:
        problems["to_month"] = _("At most 24 months at a time.")
    _refuse(problems)
    latest = _latest_month_end() or an.add_months(today.replace(day=1), -1)
    this_month = today.replace(day=1)
    last = last or (min(an.add_months(first, 1), this_month) if first else latest.replace(day=1))
    first = first or an.add_months(last, -1)
    pairs, pooled = [], []
    month = first
    while month < last:
        start, end = an.month_end(month), an.month_end(an.add_months(month, 1))
        moves = month_transitions(start, end)
        pooled.extend(moves)
        pairs.append((start, end, an.roll_rate_matrix(moves)))
        month = an.add_months(month, 1)
    return RollRates(first, last, pairs, an.roll_rate_matrix(pooled))


# --- vintages -------------------------------------------------------------------------------------


def vintage_cells(metric: str) -> list[an.VintageCell]:
    """analytics.vintage_cells for every month end, read from the vintage summary."""
    bad = {"30+": "bad30", "90+": "bad90"}[metric]
    return [
        an.VintageCell(_as_date(vintage), int(mob), *(int(value) for value in values))
        for vintage, mob, *values in VintageMonthEnd.objects.order_by(
            "vintage", "months_on_book"
        ).values_list(
            "vintage",
            "months_on_book",
            f"{bad}_loans",
            f"{bad}_principal",
            "written_off_loans",
            "written_off_principal",
        )
    ]


def vintage_totals() -> list[an.VintageTotal]:
    """Loans and principal disbursed in each vintage, as the summary recorded them."""
    rows = (
        VintageMonthEnd.objects.values("vintage")
        .annotate(loans=Max("vintage_loans"), principal=Max("vintage_principal"))
        .order_by("vintage")
    )
    return [an.VintageTotal(row["vintage"], row["loans"], row["principal"]) for row in rows]


def vintages(*, actor: Actor, metric: str | None = None) -> tuple[str, list[an.VintageCurve]]:
    """Vintage curves for ``metric`` ("30+" or "90+"), one per disbursement month."""
    actor.require(PERM_VIEW)
    problems: dict = {}
    metric = parse_metric(metric, problems)
    _refuse(problems)
    return metric, an.vintage_curves(vintage_cells(metric), vintage_totals())


# --- recovery -------------------------------------------------------------------------------------


def recovery_totals(month: dt.date) -> list[an.BucketRecovery]:
    """analytics.recovery_totals for ``month`` (first day), as one GROUP BY: loans owing an
    overdue amount at the close of the month before, and what was applied to them in it."""
    start = date_literal(an.month_end(an.add_months(month, -1)))
    paid = "COALESCE(p.paid, 0)"
    owing = f"SELECT loan_id FROM {TABLE} WHERE month_end = {start} AND overdue_amount > 0"
    payments = borrower_payments_by_loan_sql(month, an.month_end(month), owing)
    rows = _rows(
        f"""
        SELECT s.bucket, COUNT(*), SUM(s.overdue_amount), SUM({paid}),
               SUM(CASE WHEN {paid} < s.overdue_amount THEN {paid} ELSE s.overdue_amount END)
        FROM {TABLE} s LEFT JOIN ({payments}) p ON p.loan_id = s.loan_id
        WHERE s.month_end = {start} AND s.overdue_amount > 0 AND s.bucket IN ({_ON_BOOK})
        GROUP BY s.bucket
        """
    )
    return [an.BucketRecovery(b, *(int(v or 0) for v in values)) for b, *values in rows]


def recovery(*, actor: Actor, month: str | None = None) -> tuple[dt.date, list[an.RecoveryRate]]:
    """Collection recovery by bucket in ``month`` (default: the last month-end's month)."""
    actor.require(PERM_VIEW)
    problems: dict = {}
    asked = parse_month(month, field="month", today=get_business_date(), problems=problems)
    _refuse(problems)
    latest = _latest_month_end()
    chosen = asked or (latest.replace(day=1) if latest else get_business_date().replace(day=1))
    return chosen, an.recovery_rates(recovery_totals(chosen))
