"""End-of-day hooks of collections, set-based over a partition's loans.

``collections.cases`` (partitioned, slot "collections") for business date D, after the core
steps set each loan's ``dpd`` for D:

1. close the open cases whose loan is no longer overdue (dpd 0: cured, or restructured when a
   restructuring was posted since the case opened) or no longer active (paid off, written off);
2. move the open cases whose loan's bucket changed: one ``BucketChange`` row per case and day,
   then the case takes the new bucket, its entry date and overdue amount; a case whose new
   bucket is worked by another team (strategy) loses its collector so it is assigned again;
3. open a case for every active loan with dpd ≥ 1 and no open case (history row "" → bucket);
4. judge pending promises to pay: kept once repayments since the promise reach its amount
   (on or before its date), broken when its date has passed without that.

Each statement is guarded by what it changes (status, "bucket differs", "no open case",
"no history row for D", "still pending"), so a rerun for the same (date, partition) changes
nothing. ``collections.assign`` (not partitioned) then gives unassigned cases to collectors.

The loans' side comes from lending.interface (its tables are lending's): the partition's
overdue loans, read once for all four; the standing of the loans whose case closes; the
repayments on promised loans. The statements here write collections' own tables only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone

from microloan.batch.registry import StepContext
from microloan.batch.sql import date_literal, in_partition
from microloan.kernel import events
from microloan.kernel.ids import new_public_id
from microloan.lending.interface import (  # noqa: F401  (REPAYMENT_KINDS: for services.stats)
    REPAYMENT_KINDS,
    OverdueLoan,
    loan_public_ids,
    loan_standings,
    overdue_loans,
    repayments_by_day,
)

from .events import BucketEntered, BucketEntry
from .models import (
    DEFAULT_BORROWER_TIMEZONE,
    BucketChange,
    CollectionCase,
    CollectionStrategy,
    PromiseToPay,
)

CASE = CollectionCase._meta.db_table
HISTORY = BucketChange._meta.db_table
PROMISE = PromiseToPay._meta.db_table
OPEN = f"'{CollectionCase.Status.OPEN}'"
IN_CHUNK = 500  # case ids per IN (...) list: well under every backend's parameter limit

# An open case of the partition: (case id, loan row id, bucket, opened on).
OpenCase = tuple[int, int, str, dt.date]


def _execute(sql: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return max(cursor.rowcount, 0)


def _fetch(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _now():
    """The current time as the connection stores it (raw SQL bypasses the model fields)."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _boolean(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _strategy_case(column: str, strategies: dict, attribute: str) -> str:
    """SQL mapping a bucket column to a strategy attribute (literal strings or booleans)."""
    branches = []
    for bucket, strategy in strategies.items():
        value = getattr(strategy, attribute)
        literal = _boolean(value) if isinstance(value, bool) else f"'{value}'"
        branches.append(f"WHEN '{bucket}' THEN {literal}")
    default = "FALSE" if attribute == "outsource" else "'none'"
    if not branches:  # no strategies stored (a flushed test database): CASE needs a WHEN
        return default
    return f"CASE {column} {' '.join(branches)} ELSE {default} END"


def strategies_by_bucket() -> dict[str, CollectionStrategy]:
    from .services.strategies import ensure_default_strategies

    ensure_default_strategies()
    return {strategy.bucket: strategy for strategy in CollectionStrategy.objects.all()}


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _chunks(values: list, size: int = IN_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _open_cases(ctx: StepContext) -> list[OpenCase]:
    return [
        (case_id, loan_id, bucket, _as_date(opened_on))
        for case_id, loan_id, bucket, opened_on in _fetch(
            f"SELECT id, loan_id, bucket, opened_on FROM {CASE} WHERE status = {OPEN}"
            f" AND {in_partition(ctx.partition.lo, ctx.partition.hi, 'loan_id')} ORDER BY id"
        )
    ]


def _cases_with_history(case_ids: list[int], day: dt.date) -> set[int]:
    """Those of ``case_ids`` with a bucket history row for ``day`` already."""
    found: set[int] = set()
    for chunk in _chunks(sorted(case_ids)):
        marks = ", ".join(["%s"] * len(chunk))
        found.update(
            row[0]
            for row in _fetch(
                f"SELECT case_id FROM {HISTORY} WHERE business_date = {date_literal(day)}"
                f" AND case_id IN ({marks})",
                chunk,
            )
        )
    return found


def _insert_history(rows: list[tuple]) -> None:
    """(case id, business date, from bucket, to bucket, dpd, overdue amount) rows."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {HISTORY} (case_id, business_date, from_bucket, to_bucket, dpd,"
            " overdue_amount) VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )


def close_cases(
    ctx: StepContext, overdue: dict[int, OverdueLoan], cases: list[OpenCase]
) -> list[OpenCase]:
    """Close the open cases whose loan is no longer overdue; returns the cases closed."""
    closing = [case for case in cases if case[1] not in overdue]
    if not closing:
        return []
    standings = loan_standings([loan_id for _, loan_id, _, _ in closing])
    reasons = CollectionCase.CloseReason
    rows = []
    for case_id, loan_id, _, opened_on in closing:
        standing = standings[loan_id]
        if standing.ended_as:
            reason = reasons(standing.ended_as)
        elif standing.last_restructured_on and standing.last_restructured_on >= opened_on:
            reason = reasons.RESTRUCTURED
        else:
            reason = reasons.CURED
        rows.append((reason.value, case_id))
    day, stamp = connection.ops.adapt_datefield_value(ctx.business_date), _now()
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {CASE} SET status = 'closed', closed_on = %s, close_reason = %s,"
            f" version = version + 1, updated_at = %s WHERE id = %s AND status = {OPEN}",
            [(day, reason, stamp, case_id) for reason, case_id in rows],
        )
    return closing


def move_buckets(
    ctx: StepContext, strategies: dict, overdue: dict[int, OverdueLoan], cases: list[OpenCase]
) -> int:
    """Move the open cases (of overdue loans) whose loan's bucket changed."""
    moving = {
        case_id: (bucket, overdue[loan_id])
        for case_id, loan_id, bucket, _ in cases
        if loan_id in overdue and overdue[loan_id].bucket != bucket
    }
    if not moving:
        return 0
    recorded = _cases_with_history(list(moving), ctx.business_date)
    day = connection.ops.adapt_datefield_value(ctx.business_date)
    _insert_history(
        [
            (case_id, day, bucket, loan.bucket, loan.dpd, loan.overdue_amount)
            for case_id, (bucket, loan) in moving.items()
            if case_id not in recorded
        ]
    )
    day = date_literal(ctx.business_date)
    entry = (
        f"FROM {HISTORY} h WHERE h.case_id = {CASE}.id AND h.business_date = {day}"
        f" AND h.from_bucket <> ''"
    )
    team_now = _strategy_case(f"{CASE}.bucket", strategies, "team")
    team_next = _strategy_case(f"(SELECT h.to_bucket {entry})", strategies, "team")
    return _execute(
        f"UPDATE {CASE} SET bucket = (SELECT h.to_bucket {entry}),"
        f" bucket_entry_overdue = (SELECT h.overdue_amount {entry}),"
        f" bucket_entered_on = {day},"
        f" outsourced = {_strategy_case(f'(SELECT h.to_bucket {entry})', strategies, 'outsource')},"
        f" collector_id = CASE WHEN {team_now} = {team_next} THEN collector_id ELSE NULL END,"
        f" assigned_on = CASE WHEN {team_now} = {team_next} THEN assigned_on ELSE NULL END,"
        " version = version + 1, updated_at = %s"
        f" WHERE status = {OPEN} AND {in_partition(ctx.partition.lo, ctx.partition.hi, 'loan_id')}"
        f" AND EXISTS (SELECT 1 {entry} AND h.to_bucket <> {CASE}.bucket)",
        [_now()],
    )


def open_cases(
    ctx: StepContext, strategies: dict, overdue: dict[int, OverdueLoan], cases: list[OpenCase]
) -> int:
    """One executemany INSERT of a case for each overdue loan without an open one, then one of
    their first history rows ("" → bucket)."""
    with_case = {loan_id for _, loan_id, _, _ in cases}
    loans = [loan for loan_id, loan in overdue.items() if loan_id not in with_case]
    day = connection.ops.adapt_datefield_value(ctx.business_date)
    if loans:
        stamp = _now()
        with connection.cursor() as cursor:
            # executemany, not bulk_create: model instances cost ~0.5 ms a row (measured).
            cursor.executemany(
                f"INSERT INTO {CASE} (public_id, loan_id, customer_id, status, bucket, opened_on,"
                " opening_overdue, bucket_entered_on, bucket_entry_overdue, close_reason, cause,"
                " outsourced, borrower_timezone, version, created_at, updated_at)"
                " VALUES (%s, %s, %s, 'open', %s, %s, %s, %s, %s, '', '', %s, %s, 0, %s, %s)",
                [
                    (
                        new_public_id("ccas"),
                        loan.id,
                        loan.customer_id,
                        loan.bucket,
                        day,
                        loan.overdue_amount,
                        day,
                        loan.overdue_amount,
                        bool(strategies.get(loan.bucket) and strategies[loan.bucket].outsource),
                        DEFAULT_BORROWER_TIMEZONE,
                        stamp,
                        stamp,
                    )
                    for loan in loans
                ],
            )
    literal = date_literal(ctx.business_date)
    opened = _fetch(
        f"SELECT c.id, c.loan_id, c.bucket, c.opening_overdue FROM {CASE} c"
        f" WHERE c.opened_on = {literal} AND c.status = {OPEN}"
        f" AND {in_partition(ctx.partition.lo, ctx.partition.hi, 'c.loan_id')}"
        f" AND NOT EXISTS (SELECT 1 FROM {HISTORY} h WHERE h.case_id = c.id"
        f" AND h.business_date = {literal}) ORDER BY c.id"
    )
    # Every open case left has an overdue loan (close_cases ran first); ask lending otherwise.
    others = loan_standings([loan_id for _, loan_id, _, _ in opened if loan_id not in overdue])
    _insert_history(
        [
            (
                case_id,
                day,
                "",
                bucket,
                overdue[loan_id].dpd if loan_id in overdue else others[loan_id].dpd,
                opening_overdue,
            )
            for case_id, loan_id, bucket, opening_overdue in opened
        ]
    )
    return len(loans)


def promise_grace_days() -> int:
    """``COLLECTIONS_PROMISE_GRACE_DAYS`` (0–5, default 1): a payment posted this many days
    after a promise's date still keeps it. The auto-debit ordered on a due date is answered by
    the bank overnight and posts the next business day; without a day of grace a borrower who
    promised to pay on the due date, and did through that debit, would be judged broken."""
    return min(max(int(settings.COLLECTIONS_PROMISE_GRACE_DAYS), 0), 5)


def judge_promises(ctx: StepContext) -> int:
    """Kept: repaid since ``made_on`` (up to its date plus the grace days) ≥ amount. Broken:
    its date plus the grace days ≤ D, not kept."""
    grace = promise_grace_days()
    day = date_literal(ctx.business_date)
    last_day = date_literal(ctx.business_date - dt.timedelta(days=grace))
    scope = f"status = 'pending' AND {in_partition(ctx.partition.lo, ctx.partition.hi, 'loan_id')}"
    pending = [
        (promise_id, loan_id, _as_date(made_on), _as_date(due_date), paid)
        for promise_id, loan_id, made_on, due_date, paid in _fetch(
            f"SELECT id, loan_id, made_on, due_date, paid_amount FROM {PROMISE} WHERE {scope}"
        )
    ]
    if not pending:
        return 0
    # The repayments of the promised loans from the earliest promise on, counted per promise.
    repaid = repayments_by_day(
        [loan_id for _, loan_id, _, _, _ in pending],
        min(made_on for _, _, made_on, _, _ in pending),
    )
    changes = []
    for promise_id, loan_id, made_on, due_date, paid in pending:
        last = due_date + dt.timedelta(days=grace)
        total = sum(amount for on, amount in repaid.get(loan_id, ()) if made_on <= on <= last)
        if total != paid:
            changes.append((total, promise_id))
    if changes:
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {PROMISE} SET paid_amount = %s WHERE id = %s", changes)
    kept = _execute(
        f"UPDATE {PROMISE} SET status = 'kept', judged_on = {day}"
        f" WHERE {scope} AND paid_amount >= amount"
    )
    broken = _execute(
        f"UPDATE {PROMISE} SET status = 'broken', judged_on = {day}"
        f" WHERE {scope} AND due_date <= {last_day} AND paid_amount < amount"
    )
    return kept + broken


def _announce_bucket_entries(
    ctx: StepContext, strategies: dict, overdue: dict[int, OverdueLoan]
) -> None:
    """One event per partition listing today's bucket entries (the strategy's SMS/push channels,
    days past due, overdue amount, the borrower's time zone for contact hours), from which
    notifications queues the strategy's messages; built only when someone subscribes."""
    if not events.subscribers(BucketEntered):
        return
    rows = (
        BucketChange.objects.filter(
            business_date=ctx.business_date,
            case__loan_id__gte=ctx.partition.lo,
            case__loan_id__lt=ctx.partition.hi,
        )
        .values_list(
            "case__public_id",
            "case__customer_id",
            "case__loan_id",
            "to_bucket",
            "dpd",
            "overdue_amount",
            "case__borrower_timezone",
        )
        .order_by("case_id")
    )
    rows = list(rows)
    # Today's entries are of overdue loans; lending names any other (none, normally).
    others = loan_public_ids([row[2] for row in rows if row[2] not in overdue])
    entries = []
    for case_id, customer_id, loan_pk, bucket, dpd, amount, zone in rows:
        loan_id = overdue[loan_pk].public_id if loan_pk in overdue else others[loan_pk]
        strategy = strategies.get(bucket)
        channels = [c for c in ("sms", "push") if strategy is not None and getattr(strategy, c)]
        entries.append(
            BucketEntry(
                case_id=case_id,
                customer_id=customer_id,
                loan_id=loan_id,
                bucket=bucket,
                channels=tuple(channels),
                dpd=dpd,
                overdue_amount=amount,
                borrower_timezone=zone,
            )
        )
    if entries:
        events.publish(BucketEntered(business_date=ctx.business_date, entries=tuple(entries)))


def run_cases(ctx: StepContext) -> int:
    """The ``collections.cases`` step; returns the cases and promises it changed."""
    strategies = strategies_by_bucket()
    # Lending's overdue loans of the partition, read once for every statement below.
    overdue = {loan.id: loan for loan in overdue_loans(ctx.partition.lo, ctx.partition.hi)}
    cases = _open_cases(ctx)
    closed = close_cases(ctx, overdue, cases)
    closed_ids = {case[0] for case in closed}
    still_open = [case for case in cases if case[0] not in closed_ids]
    touched = len(closed)
    touched += move_buckets(ctx, strategies, overdue, still_open)
    touched += open_cases(ctx, strategies, overdue, still_open)
    touched += judge_promises(ctx)
    _announce_bucket_entries(ctx, strategies, overdue)
    return touched


def run_assignment(ctx: StepContext) -> int:
    """The ``collections.assign`` step: unassigned open cases to collectors by workload."""
    from .services.assignment import assign_cases

    return assign_cases(actor=ctx.actor, business_date=ctx.business_date)
