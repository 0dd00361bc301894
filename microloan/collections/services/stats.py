"""Collection statistics: recovery rates, promise-kept rates, cases by cause.

Recovery rate, precisely. Money recovered counts loan transactions of the kinds repayment,
prepayment and payoff (money the borrower paid; not write-offs, restructurings or internal
re-applications). End of day D opens or moves cases after D's repayments were posted, so a
period that starts on D counts repayments dated after D.

- **By bucket** — one *episode* per entry of a case into a bucket (a ``BucketChange`` row, the
  opening included), from its entry date E to its end X: the next entry of the case, else the
  day the case closed, else today's business date. Episode overdue = the loan's overdue amount
  (overdue principal + overdue interest + penalty) at entry; episode recovered =
  min(repaid in (E, X], episode overdue). Rate(bucket) = Σ recovered ÷ Σ overdue over its
  episodes.
- **By collector / by cause** — one period per case, opened_on O to closed_on or today X,
  credited to the case's current collector (its cause): recovered = min(repaid in (O, X],
  overdue when opened); rate = Σ recovered ÷ Σ overdue when opened.

Capping at the overdue amount keeps a payoff of the whole loan from counting the not-yet-due
principal as recovered: every rate is within [0, 1]. Promise-kept rate = kept ÷ (kept +
broken); pending promises are not judged yet and count in neither.
``date_from``/``date_to`` restrict to episodes (cases, promises) started in that range.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Least

from microloan.kernel.actors import Actor
from microloan.kernel.errors import ValidationFailed
from microloan.kernel.services import get_business_date
from microloan.lending.interface import repaid_between

from ..domain import rate
from ..eod import REPAYMENT_KINDS
from ..models import BucketChange, CollectionCase, OverdueCause, PromiseToPay
from .common import VIEW_CASE


def _repaid(loan_ref: str, after_ref: str, until_ref: str) -> Coalesce:
    return repaid_between(loan_ref, after_ref, until_ref, REPAYMENT_KINDS)


def _range(queryset, field: str, date_from, date_to):
    if date_from:
        queryset = queryset.filter(**{f"{field}__gte": date_from})
    if date_to:
        queryset = queryset.filter(**{f"{field}__lte": date_to})
    return queryset


def _rows(grouped, key: str) -> list[dict[str, Any]]:
    rows = []
    for row in grouped:
        overdue, recovered = int(row["overdue"] or 0), int(row["recovered"] or 0)
        rows.append(
            {
                "key": row[key] or "",
                "count": row["count"],
                "overdue": overdue,
                "recovered": recovered,
                "rate": rate(recovered, overdue),
            }
        )
    return sorted(rows, key=lambda r: r["key"])


def recovery_by_bucket(*, today: dt.date, date_from=None, date_to=None) -> list[dict[str, Any]]:
    next_entry = (
        BucketChange.objects.filter(
            case=OuterRef("case"), business_date__gt=OuterRef("business_date")
        )
        .order_by("business_date")
        .values("business_date")[:1]
    )
    episodes = _range(BucketChange.objects.all(), "business_date", date_from, date_to)
    episodes = episodes.annotate(
        ended=Coalesce(Subquery(next_entry), F("case__closed_on"), Value(today))
    ).annotate(
        recovered=Least(_repaid("case__loan", "business_date", "ended"), F("overdue_amount"))
    )
    grouped = (
        episodes.values("to_bucket")
        .annotate(count=Count("id"), overdue=Sum("overdue_amount"), recovered=Sum("recovered"))
        .order_by("to_bucket")
    )
    return _rows(grouped, "to_bucket")


def _case_periods(*, today: dt.date, date_from=None, date_to=None):
    cases = _range(CollectionCase.objects.all(), "opened_on", date_from, date_to)
    return cases.annotate(ended=Coalesce(F("closed_on"), Value(today))).annotate(
        recovered=Least(_repaid("loan", "opened_on", "ended"), F("opening_overdue"))
    )


def _recovery_by(field: str, *, today, date_from=None, date_to=None) -> list[dict[str, Any]]:
    periods = _case_periods(today=today, date_from=date_from, date_to=date_to)
    grouped = (
        periods.values(field)
        .annotate(count=Count("id"), overdue=Sum("opening_overdue"), recovered=Sum("recovered"))
        .order_by(field)
    )
    return _rows(grouped, field)


def _promise_rates(field: str, date_from=None, date_to=None) -> list[dict[str, Any]]:
    promises = _range(PromiseToPay.objects.all(), "made_on", date_from, date_to)
    grouped = (
        promises.values(field)
        .annotate(
            kept=Count("id", filter=Q(status=PromiseToPay.Status.KEPT)),
            broken=Count("id", filter=Q(status=PromiseToPay.Status.BROKEN)),
            pending=Count("id", filter=Q(status=PromiseToPay.Status.PENDING)),
        )
        .order_by(field)
    )
    return [
        {
            "key": row[field] or "",
            "kept": row["kept"],
            "broken": row["broken"],
            "pending": row["pending"],
            "rate": rate(row["kept"], row["kept"] + row["broken"]),
        }
        for row in grouped
    ]


def _cases_by_cause(date_from=None, date_to=None) -> list[dict[str, Any]]:
    cases = _range(CollectionCase.objects.all(), "opened_on", date_from, date_to)
    grouped = (
        cases.values("cause")
        .annotate(
            open=Count("id", filter=Q(status=CollectionCase.Status.OPEN)),
            closed=Count("id", filter=Q(status=CollectionCase.Status.CLOSED)),
            cured=Count("id", filter=Q(close_reason=CollectionCase.CloseReason.CURED)),
        )
        .order_by("cause")
    )
    labels = dict(OverdueCause.choices)
    return [
        {
            "key": row["cause"],
            "label": str(labels.get(row["cause"], "—")),
            "open": row["open"],
            "closed": row["closed"],
            "cured": row["cured"],
        }
        for row in grouped
    ]


def collection_stats(
    *, actor: Actor, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> dict[str, Any]:
    """Every figure of the stats page and ``GET /stats`` (definitions in the module doc)."""
    actor.require_staff()
    actor.require(VIEW_CASE)
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(fields={"date_from": "date_from is after date_to."})
    today = get_business_date()
    window = {"date_from": date_from, "date_to": date_to}
    kept = _promise_rates("status", **window)
    totals = {"kept": 0, "broken": 0, "pending": 0}
    for row in kept:
        for name in totals:
            totals[name] += row[name]
    return {
        "business_date": today,
        "recovery_by_bucket": recovery_by_bucket(today=today, **window),
        "recovery_by_collector": _recovery_by("collector__username", today=today, **window),
        "recovery_by_cause": _recovery_by("cause", today=today, **window),
        "promises": {**totals, "rate": rate(totals["kept"], totals["kept"] + totals["broken"])},
        "promises_by_collector": _promise_rates("collector__username", **window),
        "promises_by_bucket": _promise_rates("bucket", **window),
        "cases_by_cause": _cases_by_cause(**window),
    }
