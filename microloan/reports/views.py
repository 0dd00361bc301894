"""Analytics pages: the same services as the API, drawn as server-rendered SVG and tables.

A bad filter (malformed date, month after the business date, unknown metric) is shown on the
page with status 422, the figures left out; nothing here changes data.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from microloan.backoffice.decorators import actor_for, staff_page
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.money import format_yuan
from microloan.lending.classification import Category

from . import analytics as an
from . import services, svg
from .models import LoanBucket

VIEW = services.PERM_VIEW
MAX_VINTAGE_LINES = 12


def _state_labels() -> dict[str, str]:
    return {value: str(label) for value, label in LoanBucket.choices}


def _yuan_axis(fen: float) -> str:
    """Compact yuan for chart axes and tooltips (the tables beside them give exact fen)."""
    yuan = fen / 100
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(yuan) >= size:
            return f"¥{yuan / size:.4g}{suffix}"
    return f"¥{yuan:.4g}"


def _pct_axis(value: float) -> str:
    return f"{value:g} %"


def _page(request, template: str, context: dict, error: ValidationFailed | None = None):
    context["error"] = error.as_dict() if error else None
    context["labels"] = _state_labels()
    return render(request, template, context, status=422 if error else 200)


@staff_page(VIEW)
def overview(request):
    """Outstanding by product and class on a date, and overdue buckets over time."""
    actor = actor_for(request)
    context: dict = {"date": request.GET.get("date", "")}
    try:
        report = services.portfolio(actor=actor, date=context["date"] or None)
    except ValidationFailed as refusal:
        return _page(request, "reports/overview.html", context, refusal)
    history = services.bucket_history(actor=actor)
    labels = _state_labels()
    overdue = [bucket for bucket in an.BUCKETS if bucket != an.CURRENT]
    columns = [r.date.isoformat() for r in history]
    stacks = [
        svg.Stack(
            labels[bucket],
            [next(g.principal for g in r.buckets if g.key == bucket) for r in history],
        )
        for bucket in overdue
    ]
    categories = {str(c): c.label for c in Category}
    context.update(
        report=report,
        categories=[(categories.get(g.key, g.key), g) for g in report.by_category],
        buckets=[(labels[g.key], g) for g in report.buckets],
        history_chart=svg.stacked_bars(
            title=_("Overdue principal by DPD bucket"),
            categories=columns,
            stacks=stacks,
            y_label=_("Principal (yuan)"),
            y_format=_yuan_axis,
            empty_text=_("No overdue principal in the snapshots."),
        ),
    )
    return _page(request, "reports/overview.html", context)


def _heat_rows(rows: list[an.RollRow], basis: str) -> list[dict]:
    labels = _state_labels()
    return [
        {
            "label": labels[row.from_bucket],
            "loans": row.loans,
            "principal": row.principal,
            "cells": [
                {
                    "pct": pct,
                    "count": cell.loans if basis == "count" else format_yuan(cell.principal),
                    "background": svg.heat_colour(pct if row.loans else None),
                    "colour": svg.heat_text_colour(pct),
                }
                for cell in row.cells
                for pct in [cell.loans_pct if basis == "count" else cell.principal_pct]
            ],
        }
        for row in rows
    ]


@staff_page(VIEW)
def roll_rates(request):
    """Heat-map tables of bucket → bucket roll rates, pooled and month by month."""
    context: dict = {
        "from_month": request.GET.get("from_month", ""),
        "to_month": request.GET.get("to_month", ""),
        "basis": "count" if request.GET.get("basis") == "count" else "balance",
    }
    try:
        rates = services.roll_rates(
            actor=actor_for(request),
            from_month=context["from_month"] or None,
            to_month=context["to_month"] or None,
        )
    except ValidationFailed as refusal:
        return _page(request, "reports/roll_rates.html", context, refusal)
    context.update(
        rates=rates,
        states=[_state_labels()[state] for state in an.STATES],
        pooled=_heat_rows(rates.pooled, context["basis"]),
        months=[
            (start, end, _heat_rows(rows, context["basis"])) for start, end, rows in rates.pairs
        ],
    )
    return _page(request, "reports/roll_rates.html", context)


@staff_page(VIEW)
def vintages(request):
    """Vintage curves (30+ or 90+ share of disbursed principal by months on book)."""
    context: dict = {"metric": request.GET.get("metric", "30+").strip() or "30+"}
    try:
        metric, curves = services.vintages(actor=actor_for(request), metric=context["metric"])
    except ValidationFailed as refusal:
        return _page(request, "reports/vintages.html", context, refusal)
    shown = curves[-MAX_VINTAGE_LINES:]
    context.update(
        metric=metric,
        curves=curves,
        max_mob=max((p.months_on_book for c in curves for p in c.points), default=-1),
        chart=svg.line_chart(
            title=_("Vintage curves, %(metric)s DPD share of principal") % {"metric": metric},
            series=[
                svg.Series(
                    c.vintage.strftime("%Y-%m"),
                    [(p.months_on_book, p.principal_pct) for p in c.points],
                )
                for c in shown
            ],
            x_label=_("Months on book"),
            y_label=_("Share of disbursed principal (%)"),
            y_format=_pct_axis,
            empty_text=_("No month-end snapshot yet."),
        ),
    )
    return _page(request, "reports/vintages.html", context)


@staff_page(VIEW)
def recovery(request):
    """Recovery rate by bucket for a month: table and recovered / still overdue bars."""
    context: dict = {"month": request.GET.get("month", "")}
    try:
        month, rows = services.recovery(actor=actor_for(request), month=context["month"] or None)
    except ValidationFailed as refusal:
        return _page(request, "reports/recovery.html", context, refusal)
    labels = {**_state_labels(), "all": _("All buckets")}
    buckets = [r for r in rows if r.bucket != "all"]
    context.update(
        chosen=month,
        rows=[(labels[r.bucket], r) for r in rows],
        chart=svg.stacked_bars(
            title=_("Overdue amount at month start: recovered and not"),
            categories=[labels[r.bucket] for r in buckets],
            stacks=[
                svg.Stack(_("Recovered"), [r.recovered for r in buckets]),
                svg.Stack(_("Not recovered"), [r.overdue_amount - r.recovered for r in buckets]),
            ],
            y_label=_("Amount (yuan)"),
            y_format=_yuan_axis,
            empty_text=_("No loan owed an overdue amount at the month start."),
        ),
    )
    return _page(request, "reports/recovery.html", context)
