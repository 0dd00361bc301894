"""A synthetic loan book for end-of-day tests and the benchmark, written straight into the tables.

``build_synthetic_book(loans=N, business_date=D)`` writes N active loans as they stand on
business day D after end of day ran through D − 1: mixed methods and terms, two products (one
rounding half-even), every instalment row, about ``overdue_share`` of them with unpaid rolled
instalments (overdue amounts, DPD, category, penalties), and opening ledger entries per
product equal to the loan sub-ledger. Schedules come from
batch.tests.synthetic_schedules.generate_schedules_batch; rows go in with executemany in large
transactions. Not for production data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction

from microloan.batch.tests.synthetic_schedules import generate_schedules_batch
from microloan.kernel.actors import Actor
from microloan.kernel.services import set_initial_business_date
from microloan.ledger import accounts as gl
from microloan.ledger.domain import EntryType
from microloan.ledger.services import post_entry
from microloan.lending.classification import (
    DOUBTFUL_MAX_DPD,
    SPECIAL_MENTION_MAX_DPD,
    SUBSTANDARD_MAX_DPD,
)
from microloan.lending.models import RATE_SCALE, CreditLine, Instalment, Loan
from microloan.loanmath.schedules import RepaymentMethod

# (product code, rounding, share of loans)
PRODUCTS = (("WLD", "half_up", 0.9), ("WLDE", "half_even", 0.1))
METHOD_TERMS = {
    RepaymentMethod.EQUAL_INSTALMENT: (5, 10, 20),
    RepaymentMethod.EQUAL_PRINCIPAL: (5, 10, 20),
    RepaymentMethod.INTEREST_FIRST: (5, 10),
    RepaymentMethod.BULLET: (3, 6, 12),
}
RATES_E8 = np.array([20_000, 30_000, 35_000, 40_000, 50_000], np.int64)  # 0.02 %–0.05 % a day
GRACE_DAYS = 1
PENALTY_MULTIPLIER = Decimal("1.5")
TIMESTAMP = "2026-01-01 00:00:00"
NAT = np.datetime64("NaT", "D")


def build_synthetic_book(
    *,
    loans: int,
    business_date: dt.date,
    seed: int = 7,
    overdue_share: float = 0.06,
    chunk: int = 100_000,
) -> dict[str, int]:
    """Write ``loans`` active loans, their lines and instalments; returns what was written."""
    set_initial_business_date(business_date)
    versions = _ensure_products()
    rng = np.random.default_rng(seed)
    next_id = max(_max_id(Loan), _max_id(CreditLine)) + 1
    written = {"loans": 0, "instalments": 0}
    for offset in range(0, loans, chunk):
        count = min(chunk, loans - offset)
        with transaction.atomic():
            written["instalments"] += _build_chunk(
                rng, versions, business_date, next_id + offset, count, overdue_share
            )
        written["loans"] += count
    with transaction.atomic():
        _reset_sequences()
        _post_opening_balances(business_date)
    _analyze()
    return written


def _analyze() -> None:
    """Planner statistics after a bulk load, as any bulk migration into PostgreSQL must do:
    autovacuum gets to new tables late, and until then the planner guesses row counts."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"ANALYZE {Loan._meta.db_table}, {Instalment._meta.db_table},"
            f" {CreditLine._meta.db_table}"
        )


def _max_id(model) -> int:
    return model.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _ensure_products() -> dict[str, object]:
    """product code → its active version, made directly (no maker-checker here)."""
    from microloan.accounts.models import StaffUser
    from microloan.products.models import Product, ProductVersion

    maker, _created = StaffUser.objects.get_or_create(username="book_builder")
    versions = {}
    for code, rounding, _share in PRODUCTS:
        product, _created = Product.objects.get_or_create(
            code=code, defaults={"name_zh": code, "name_en": code}
        )
        version = ProductVersion.objects.filter(product=product, status="active").first()
        if version is None:
            version = ProductVersion.objects.create(
                product=product,
                version=1,
                status="active",
                maker=maker,
                allowed_methods=[method.value for method in METHOD_TERMS],
                allowed_terms=sorted({t for terms in METHOD_TERMS.values() for t in terms}),
                daily_rate_min=Decimal("0.0002"),
                daily_rate_max=Decimal("0.0005"),
                penalty_multiplier=PENALTY_MULTIPLIER,
                grace_days=GRACE_DAYS,
                rounding=rounding,
                min_drawdown=50_000,
                max_drawdown=4_000_000,
                max_line_limit=20_000_000,
            )
        versions[code] = version
    return versions


def _round(numerator: np.ndarray, rounding: str) -> np.ndarray:
    quotient, remainder = np.divmod(numerator, RATE_SCALE)
    twice = 2 * remainder
    tie = twice == RATE_SCALE
    if rounding == "half_even":
        tie &= quotient % 2 == 1
    return quotient + ((twice > RATE_SCALE) | tie)


def _iso(days: np.ndarray) -> list[str | None]:
    """datetime64[D] → 'YYYY-MM-DD' strings, NaT → None."""
    return [None if text == "NaT" else text for text in np.datetime_as_string(days).tolist()]


def _category(dpd: np.ndarray) -> np.ndarray:
    return np.select(
        [dpd > DOUBTFUL_MAX_DPD, dpd > SUBSTANDARD_MAX_DPD, dpd > SPECIAL_MENTION_MAX_DPD, dpd > 0],
        ["loss", "doubtful", "substandard", "special_mention"],
        "normal",
    )


def _build_chunk(rng, versions, today: dt.date, first_id: int, count: int, share) -> int:
    ids = np.arange(first_id, first_id + count, dtype=np.int64)
    cumulative = np.cumsum([product_share for *_rest, product_share in PRODUCTS])
    product_index = np.minimum(np.searchsorted(cumulative, rng.random(count)), len(PRODUCTS) - 1)
    methods = list(METHOD_TERMS)
    method_index = rng.integers(0, len(methods), count)
    term_choice = rng.integers(0, 3, count)
    terms = np.array(
        [
            METHOD_TERMS[methods[m]][c % len(METHOD_TERMS[methods[m]])]
            for m, c in zip(method_index.tolist(), term_choice.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    principals = rng.integers(500, 40_000, count, dtype=np.int64) * 100
    rates = RATES_E8[rng.integers(0, len(RATES_E8), count)]
    overdue = rng.random(count) < share
    # Current loans started within their term (none has matured); overdue ones 35 days to
    # well past their term ago (some matured with arrears).
    span = terms * 28
    offsets = np.where(
        overdue,
        35 + (rng.random(count) * (span + 200)).astype(np.int64),
        (rng.random(count) * span).astype(np.int64),
    )
    today64 = np.datetime64(today, "D")
    starts = today64 - offsets.astype("timedelta64[D]")
    _insert_lines(ids, product_index, versions, principals, rates, starts)
    instalments = 0
    for p, (code, rounding, _share) in enumerate(PRODUCTS):
        for m, method in enumerate(methods):
            for term in METHOD_TERMS[method]:
                pick = np.flatnonzero((product_index == p) & (method_index == m) & (terms == term))
                if pick.size == 0:
                    continue
                instalments += _insert_group(
                    rng,
                    today64,
                    method,
                    term,
                    code,
                    rounding,
                    versions[code],
                    ids[pick],
                    principals[pick],
                    rates[pick],
                    starts[pick],
                    overdue[pick],
                )
    return instalments


def _rate(rate_e8: int) -> Decimal:
    return Decimal(int(rate_e8)).scaleb(-8)


def _insert_lines(ids, product_index, versions, principals, rates, starts) -> None:
    codes = [PRODUCTS[p][0] for p in product_index.tolist()]
    opened = _iso(starts)
    rows = [
        (
            int(i),
            f"line_{i:026d}",
            f"cust_{i:026d}",
            versions[code].pk,
            int(principal) * 2,
            int(principal),
            str(_rate(rate)),
            "B",
            "active",
            day,
            "2099-12-31",
            0,
            TIMESTAMP,
            TIMESTAMP,
        )
        for i, code, principal, rate, day in zip(
            ids.tolist(), codes, principals.tolist(), rates.tolist(), opened, strict=True
        )
    ]
    _insert(
        CreditLine,
        [
            "id",
            "public_id",
            "customer_id",
            "product_version_id",
            "limit",
            "used",
            "daily_rate",
            "grade",
            "status",
            "opened_on",
            "expires_on",
            "version",
            "created_at",
            "updated_at",
        ],
        rows,
    )


def _insert_group(
    rng, today, method, term, code, rounding, version, ids, principals, rates, starts, overdue
) -> int:
    """Loans of one (product, method, term) and their instalments, as of ``today``."""
    schedule = generate_schedules_batch(
        principals=principals,
        daily_rates=[_rate(r) for r in rates.tolist()],
        terms=term,
        method=method,
        start_dates=starts,
        rounding=rounding,
    )
    n, columns = schedule.due_dates.shape
    rows = np.arange(n)
    column = np.arange(columns)[None, :]
    live = column < schedule.counts[:, None]
    rolled = live & (schedule.due_dates < today)
    rolled_count = rolled.sum(axis=1)
    unpaid_count = np.where(overdue, np.minimum(rolled_count, rng.integers(1, 5, n)), 0)
    paid = column < (rolled_count - unpaid_count)[:, None]
    in_arrears = rolled & ~paid
    last_rolled = np.maximum(rolled_count - 1, 0)
    period_start = np.where(rolled_count > 0, schedule.due_dates[rows, last_rolled], starts)
    period_principal = np.where(
        rolled_count > 0, schedule.balance_after[rows, last_rolled], principals
    )
    matured = rolled_count >= schedule.counts
    next_index = np.minimum(rolled_count, schedule.counts - 1)
    next_due = np.where(matured, NAT, schedule.due_dates[rows, next_index])
    overdue_principal = (schedule.principal * in_arrears).sum(axis=1)
    overdue_interest = (schedule.interest * in_arrears).sum(axis=1)
    oldest_index = np.clip(rolled_count - unpaid_count, 0, columns - 1)
    oldest = np.where(unpaid_count > 0, schedule.due_dates[rows, oldest_index], NAT)
    yesterday = today - np.timedelta64(1, "D")
    dpd = np.where(unpaid_count > 0, (yesterday - oldest).astype(np.int64), 0).clip(0)
    days = (today - period_start).astype(np.int64)
    period_accrued = _round(period_principal * rates * days, rounding)
    day_before = _round(period_principal * rates * np.maximum(days - 1, 0), rounding)
    penalty_rate = rates * 3 // 2
    daily_penalty = _round(overdue_principal * penalty_rate, rounding)
    charged = dpd > GRACE_DAYS
    accrued_before = starts < today

    loan_columns = {
        "id": ids.tolist(),
        "public_id": [f"loan_{i:026d}" for i in ids.tolist()],
        "line_id": ids.tolist(),
        "customer_id": [f"cust_{i:026d}" for i in ids.tolist()],
        "product_version_id": [version.pk] * n,
        "product_code": [code] * n,
        "principal": principals.tolist(),
        "daily_rate": [str(_rate(r)) for r in rates.tolist()],
        "daily_rate_e8": rates.tolist(),
        "penalty_rate_e8": penalty_rate.tolist(),
        "method": [str(method)] * n,
        "term_months": [term] * n,
        "grace_days": [GRACE_DAYS] * n,
        "rounding": [rounding] * n,
        "start_date": _iso(starts),
        "maturity_date": _iso(schedule.due_dates[rows, schedule.counts - 1]),
        "status": ["active"] * n,
        "principal_outstanding": (principals - (schedule.principal * paid).sum(axis=1)).tolist(),
        "overdue_principal": overdue_principal.tolist(),
        "interest_receivable": (period_accrued + overdue_interest).tolist(),
        "overdue_interest": overdue_interest.tolist(),
        "penalty_receivable": (daily_penalty * np.maximum(dpd - GRACE_DAYS, 0)).tolist(),
        "period_start_date": _iso(period_start),
        "period_principal": period_principal.tolist(),
        "period_days_accrued": days.tolist(),
        "period_accrued": period_accrued.tolist(),
        "next_due_date": _iso(next_due),
        "next_instalment_number": (rolled_count + 1).tolist(),
        "oldest_unpaid_due_date": _iso(oldest),
        "dpd": dpd.tolist(),
        "category": _category(dpd).tolist(),
        "last_accrual_date": _iso(np.where(accrued_before, yesterday, NAT)),
        "last_accrual_amount": np.where(accrued_before, period_accrued - day_before, 0).tolist(),
        "last_penalty_date": _iso(np.where(charged, yesterday, NAT)),
        "last_penalty_amount": np.where(charged, daily_penalty, 0).tolist(),
        "created_at": [TIMESTAMP] * n,
        "updated_at": [TIMESTAMP] * n,
    }
    _insert_columns(Loan, loan_columns)

    status = np.where(paid, "paid", np.where(in_arrears, "due", "scheduled"))
    paid_principal = np.where(paid, schedule.principal, 0)
    paid_interest = np.where(paid, schedule.interest, 0)
    count = int(live.sum())
    _insert_columns(
        Instalment,
        {
            "loan_id": np.broadcast_to(ids[:, None], live.shape)[live].tolist(),
            "number": np.broadcast_to(column + 1, live.shape)[live].tolist(),
            "start_date": _iso(schedule.start_dates[live]),
            "due_date": _iso(schedule.due_dates[live]),
            "principal": schedule.principal[live].tolist(),
            "interest": schedule.interest[live].tolist(),
            "balance_after": schedule.balance_after[live].tolist(),
            "penalty": [0] * count,
            "paid_principal": paid_principal[live].tolist(),
            "paid_interest": paid_interest[live].tolist(),
            "paid_penalty": [0] * count,
            "status": status[live].tolist(),
            "paid_on": _iso(np.where(paid, schedule.due_dates, NAT)[live]),
        },
    )
    return count


def _insert_columns(model, columns: dict[str, list]) -> None:
    """Insert rows given column by column; other columns get their field's default."""
    given = list(columns)
    defaults = {
        field.column: field.get_default()
        for field in model._meta.concrete_fields
        if field.column not in given and not field.primary_key
    }
    length = len(columns[given[0]])
    values = [*columns.values(), *([value] * length for value in defaults.values())]
    _insert(model, [*given, *defaults], zip(*values, strict=True))


def _insert(model, columns: list[str], rows) -> None:
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {model._meta.db_table} ({quoted}) VALUES ({placeholders})", rows
        )


def _post_opening_balances(business_date: dt.date) -> None:
    """One opening entry per product so the ledger equals the loan sub-ledger."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT product_code, SUM(principal_outstanding), SUM(interest_receivable),"
            f" SUM(penalty_receivable) FROM {Loan._meta.db_table} WHERE status = 'active'"
            " GROUP BY product_code ORDER BY product_code"
        )
        totals = cursor.fetchall()
    for product, principal, interest, penalty in totals:
        pairs = [
            (gl.LOANS_PRINCIPAL, gl.BANK_CLEARING, int(principal)),
            (gl.INTEREST_RECEIVABLE, gl.INTEREST_INCOME, int(interest)),
            (gl.PENALTY_RECEIVABLE, gl.PENALTY_INCOME, int(penalty)),
        ]
        post_entry(
            actor=Actor.system("book_builder"),
            entry_type=EntryType.OPENING_BALANCE,
            business_date=business_date - dt.timedelta(days=1),
            lines=[
                line
                for debit, credit, amount in pairs
                if amount
                for line in (
                    {"account": debit, "debit": amount, "credit": 0},
                    {"account": credit, "debit": 0, "credit": amount},
                )
            ],
            description=f"synthetic book opening balances {product}",
            product_code=product,
            source_ref=f"synthetic-book:{business_date.isoformat()}:{product}",
        )


def _reset_sequences() -> None:
    """PostgreSQL: move the id sequences past the ids written explicitly."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Loan, CreditLine])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
