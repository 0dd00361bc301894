"""Analytics API (mounted at /api/v1/reports/), read-only, for holders of reports.view_reports.

Money is a yuan string ("1234.56"), as on every route; percentages are decimal strings in
percent with two places ("12.50" = 12.5 %), ``null`` where the denominator is zero. Dates are
``YYYY-MM-DD``, months ``YYYY-MM``; a malformed one, or one after the business date, is 422
with the field named.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from microloan.api.auth import staff_auth
from microloan.kernel.money import to_yuan_str

from . import analytics as an
from . import services

router = Router(tags=["reports"])
Yuan = Annotated[str, Field(description="yuan, e.g. 1234.56")]
VIEW = staff_auth(services.PERM_VIEW)


class Filters(Schema):
    model_config = ConfigDict(extra="forbid")


class DateFilter(Filters):
    date: str | None = Field(None, max_length=40, description="YYYY-MM-DD; default: latest")


class RollFilter(Filters):
    from_month: str | None = Field(None, max_length=40, description="YYYY-MM")
    to_month: str | None = Field(None, max_length=40, description="YYYY-MM, after from_month")


class VintageFilter(Filters):
    metric: str | None = Field("30+", max_length=8, description='"30+" or "90+"')


class MonthFilter(Filters):
    month: str | None = Field(None, max_length=40, description="YYYY-MM; default: latest")


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


class GroupOut(Schema):
    key: str
    loans: int
    principal: Yuan
    overdue_principal: Yuan
    loans_share: str
    principal_share: str

    @staticmethod
    def of(group: an.Group) -> dict:
        return {
            "key": group.key,
            "loans": group.loans,
            "principal": to_yuan_str(group.principal),
            "overdue_principal": to_yuan_str(group.overdue_principal),
            "loans_share": str(group.loans_share),
            "principal_share": str(group.principal_share),
        }


class PortfolioOut(Schema):
    date: dt.date | None
    loans: int
    principal: Yuan
    by_product: list[GroupOut]
    by_category: list[GroupOut]


class BucketsOut(Schema):
    date: dt.date | None
    loans: int
    principal: Yuan
    buckets: list[GroupOut]


class CellOut(Schema):
    to_state: str
    loans: int
    principal: Yuan
    loans_pct: str
    principal_pct: str


class RollRowOut(Schema):
    from_bucket: str
    loans: int
    principal: Yuan
    cells: list[CellOut]


class MonthMatrixOut(Schema):
    from_month_end: dt.date
    to_month_end: dt.date
    rows: list[RollRowOut]


class RollRatesOut(Schema):
    from_month: str
    to_month: str
    months: list[MonthMatrixOut]
    pooled: list[RollRowOut]


class PointOut(Schema):
    months_on_book: int
    bad_loans: int
    bad_principal: Yuan
    loans_pct: str | None
    principal_pct: str | None


class CurveOut(Schema):
    vintage: str
    loans: int
    principal: Yuan
    points: list[PointOut]


class VintagesOut(Schema):
    metric: str
    curves: list[CurveOut]


class RecoveryRowOut(Schema):
    bucket: str
    loans: int
    overdue_amount: Yuan
    collected: Yuan
    recovered: Yuan
    rate: str | None


class RecoveryOut(Schema):
    month: str
    rows: list[RecoveryRowOut]


def matrix_out(rows: list[an.RollRow]) -> list[dict]:
    return [
        {
            "from_bucket": row.from_bucket,
            "loans": row.loans,
            "principal": to_yuan_str(row.principal),
            "cells": [
                {
                    "to_state": cell.to_state,
                    "loans": cell.loans,
                    "principal": to_yuan_str(cell.principal),
                    "loans_pct": str(cell.loans_pct),
                    "principal_pct": str(cell.principal_pct),
                }
                for cell in row.cells
            ],
        }
        for row in rows
    ]


@router.get("/portfolio", auth=VIEW, response=PortfolioOut)
def portfolio(request, filters: Query[DateFilter]):
    """Principal outstanding by product and by five-category class on a snapshot date."""
    report = services.portfolio(actor=request.auth, date=filters.date)
    return {
        "date": report.date,
        "loans": report.loans,
        "principal": to_yuan_str(report.principal),
        "by_product": [GroupOut.of(g) for g in report.by_product],
        "by_category": [GroupOut.of(g) for g in report.by_category],
    }


@router.get("/dpd-buckets", auth=VIEW, response=BucketsOut)
def dpd_buckets(request, filters: Query[DateFilter]):
    """Loans and principal per DPD bucket on a snapshot date (shares add up to 100)."""
    report = services.portfolio(actor=request.auth, date=filters.date)
    return {
        "date": report.date,
        "loans": report.loans,
        "principal": to_yuan_str(report.principal),
        "buckets": [GroupOut.of(g) for g in report.buckets],
    }


@router.get("/roll-rates", auth=VIEW, response=RollRatesOut)
def roll_rates(request, filters: Query[RollFilter]):
    """Bucket → bucket transition matrices, month on month, and pooled over the period."""
    rates = services.roll_rates(
        actor=request.auth, from_month=filters.from_month, to_month=filters.to_month
    )
    return {
        "from_month": _month(rates.from_month),
        "to_month": _month(rates.to_month),
        "months": [
            {"from_month_end": start, "to_month_end": end, "rows": matrix_out(rows)}
            for start, end, rows in rates.pairs
        ],
        "pooled": matrix_out(rates.pooled),
    }


@router.get("/vintages", auth=VIEW, response=VintagesOut)
def vintages(request, filters: Query[VintageFilter]):
    """Share of disbursed principal and loans 30+ (or 90+) DPD or written off, by MOB."""
    metric, curves = services.vintages(actor=request.auth, metric=filters.metric)
    return {
        "metric": metric,
        "curves": [
            {
                "vintage": _month(curve.vintage),
                "loans": curve.loans,
                "principal": to_yuan_str(curve.principal),
                "points": [
                    {
                        "months_on_book": p.months_on_book,
                        "bad_loans": p.bad_loans,
                        "bad_principal": to_yuan_str(p.bad_principal),
                        "loans_pct": _pct(p.loans_pct),
                        "principal_pct": _pct(p.principal_pct),
                    }
                    for p in curve.points
                ],
            }
            for curve in curves
        ],
    }


@router.get("/recovery", auth=VIEW, response=RecoveryOut)
def recovery(request, filters: Query[MonthFilter]):
    """Collection recovery rate by bucket at the month start (see analytics.recovery_rates)."""
    month, rows = services.recovery(actor=request.auth, month=filters.month)
    return {
        "month": _month(month),
        "rows": [
            {
                "bucket": r.bucket,
                "loans": r.loans,
                "overdue_amount": to_yuan_str(r.overdue_amount),
                "collected": to_yuan_str(r.collected),
                "recovered": to_yuan_str(r.recovered),
                "rate": _pct(r.rate),
            }
            for r in rows
        ],
    }
