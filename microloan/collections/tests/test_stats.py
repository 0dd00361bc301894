"""Recovery and promise-kept rates on a worked example (definitions: services/stats.py)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from microloan.kernel.actors import Actor
from microloan.kernel.errors import ValidationFailed
from microloan.lending.models import LoanTransaction

from ..models import CollectionCase, PromiseToPay
from ..services.stats import collection_stats
from .conftest import run_hook, set_overdue

pytestmark = pytest.mark.django_db
D1 = dt.date(2026, 4, 3)
_serial = itertools.count(1)


def paid(loan, day: dt.date, amount: int) -> None:
    LoanTransaction.objects.create(
        public_id=f"ltx_stats_{next(_serial)}",
        loan=loan,
        kind=LoanTransaction.Kind.REPAYMENT,
        business_date=day,
        amount=amount,
    )


def _by_key(rows):
    return {row["key"]: (row["overdue"], row["recovered"], row["rate"]) for row in rows}


def test_worked_example(borrow, collector, other_collector):
    first, second = borrow(), borrow()
    set_overdue(first, 1, overdue=50_000)
    set_overdue(second, 1, overdue=40_000)
    run_hook(D1)
    CollectionCase.objects.filter(loan=first).update(collector=collector, cause="illness")
    CollectionCase.objects.filter(loan=second).update(collector=other_collector)

    paid(first, D1, 5_000)  # before the case opened at EOD(D1): not counted
    paid(first, D1 + dt.timedelta(days=5), 20_000)  # in M1
    m2_on = D1 + dt.timedelta(days=30)
    set_overdue(first, 31, overdue=70_000)
    set_overdue(second, 31, overdue=45_000)
    run_hook(m2_on)
    paid(first, m2_on + dt.timedelta(days=5), 100_000)  # in M2, more than its overdue
    closed_on = m2_on + dt.timedelta(days=6)
    set_overdue(first, 0)
    run_hook(closed_on)

    first_case = CollectionCase.objects.get(loan=first)
    PromiseToPay.objects.create(
        public_id="cptp_kept",
        case=first_case,
        loan=first,
        amount=1,
        made_on=D1,
        due_date=D1,
        status="kept",
        collector=collector,
        bucket="M1",
    )
    PromiseToPay.objects.create(
        public_id="cptp_broken",
        case=first_case,
        loan=first,
        amount=1,
        made_on=D1,
        due_date=D1,
        status="broken",
        collector=collector,
        bucket="M1",
    )
    PromiseToPay.objects.create(
        public_id="cptp_pending",
        case=first_case,
        loan=first,
        amount=1,
        made_on=D1,
        due_date=D1,
        status="pending",
        collector=collector,
        bucket="M1",
    )

    figures = collection_stats(actor=Actor.system("test"))
    # M1: 50,000 + 40,000 entered; 20,000 recovered (first) → 0.2222.
    # M2: 70,000 + 45,000 entered; min(100,000, 70,000) recovered → 0.6087.
    assert _by_key(figures["recovery_by_bucket"]) == {
        "M1": (90_000, 20_000, Decimal("0.2222")),
        "M2": (115_000, 70_000, Decimal("0.6087")),
    }
    # Per case, from opening: first recovered min(120,000, 50,000); second nothing.
    assert _by_key(figures["recovery_by_collector"]) == {
        collector.username: (50_000, 50_000, Decimal("1.0000")),
        other_collector.username: (40_000, 0, Decimal("0.0000")),
    }
    assert _by_key(figures["recovery_by_cause"]) == {
        "": (40_000, 0, Decimal("0.0000")),
        "illness": (50_000, 50_000, Decimal("1.0000")),
    }
    assert figures["promises"] == {"kept": 1, "broken": 1, "pending": 1, "rate": Decimal("0.5000")}
    causes = {
        row["key"]: (row["open"], row["closed"], row["cured"]) for row in figures["cases_by_cause"]
    }
    assert causes == {"": (1, 0, 0), "illness": (0, 1, 1)}

    later = collection_stats(actor=Actor.system("test"), date_from=m2_on)
    assert _by_key(later["recovery_by_bucket"]) == {"M2": (115_000, 70_000, Decimal("0.6087"))}
    with pytest.raises(ValidationFailed):
        collection_stats(actor=Actor.system("test"), date_from=m2_on, date_to=D1)


def test_stats_need_the_view_permission():
    from microloan.kernel.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        collection_stats(actor=Actor(kind="staff", id="x"))
