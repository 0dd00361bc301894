"""Lending's end-of-day steps: set-based SQL on the loans, one call per (step, partition).

Registered with batch.registry as the core steps (lending.eod.register_eod_steps); batch's
runner opens the transactions, partitions and checkpoints.

Each function runs inside the partition's transaction (opened by the runner, which also writes
the checkpoint) and returns the rows it changed. Every UPDATE carries a per-loan guard (the
loan's next due date, last accrual/penalty date, or "only if the value changes"), so running a
step twice for the same date changes nothing even without its checkpoint. Balances follow
docs/servicing.md; the ledger gets one aggregated entry per product per partition.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from microloan.batch.registry import StepContext
from microloan.batch.snapshots import store_portfolio_snapshot
from microloan.batch.sql import date_literal, days_since, in_partition
from microloan.lending.classification import Category
from microloan.lending.models import Instalment, Loan

from . import postings
from .provisions import provision_rates, required_allowance
from .queries import portfolio_positions
from .sql import category_case, round_rate_product

LOAN = Loan._meta.db_table
INSTALMENT = Instalment._meta.db_table
ACTIVE = f"status = '{Loan.Status.ACTIVE}'"
LIVE_OR_PAID = f"status <> '{Instalment.Status.CANCELLED}'"


def _execute(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return max(cursor.rowcount, 0)


def _fetch(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _totals_by_product(where: str, amount_column: str) -> dict[str, int]:
    rows = _fetch(
        f"SELECT product_code, SUM({amount_column}) FROM {LOAN} WHERE {where}"
        " GROUP BY product_code ORDER BY product_code"
    )
    return {product: int(total) for product, total in rows if total}


def mark_due(ctx: StepContext) -> int:
    """Roll loans whose instalment falls due on D into the next period.

    The instalment's unpaid principal and interest move into ``overdue_*`` (its due day is
    over once EOD(D) runs), the oldest unpaid due date is set if it was empty, and the period
    restarts on D on the schedule's balance after that instalment; at maturity there is no
    next due date. Held overpayments are then applied to what is now due
    (lending.services.repayments.apply_unapplied_receipts, a loan at a time: few loans).
    """
    day = date_literal(ctx.business_date)
    lo, hi = ctx.partition.lo, ctx.partition.hi
    following = (
        f"FROM {INSTALMENT} f WHERE f.loan_id = i.loan_id AND f.due_date > i.due_date"
        f" AND f.{LIVE_OR_PAID}"
    )
    rolled = _execute(
        f"""
        UPDATE {LOAN} SET
            overdue_principal = overdue_principal + due.unpaid_principal,
            overdue_interest = overdue_interest + due.unpaid_interest,
            oldest_unpaid_due_date = CASE
                WHEN due.unpaid_principal > 0 OR due.unpaid_interest > 0
                THEN COALESCE(oldest_unpaid_due_date, due.fell_due_on)
                ELSE oldest_unpaid_due_date END,
            period_start_date = due.fell_due_on,
            period_principal = due.balance_after,
            period_days_accrued = 0,
            period_accrued = 0,
            next_due_date = due.following_due_date,
            next_instalment_number = COALESCE(due.following_number, due.number + 1),
            version = version + 1
        FROM (
            SELECT i.loan_id, i.number, i.due_date AS fell_due_on, i.balance_after,
                   i.principal - i.paid_principal AS unpaid_principal,
                   i.interest - i.paid_interest AS unpaid_interest,
                   (SELECT MIN(f.due_date) {following}) AS following_due_date,
                   (SELECT MIN(f.number) {following}) AS following_number
            FROM {INSTALMENT} i
            WHERE i.due_date = {day} AND i.{LIVE_OR_PAID} AND {in_partition(lo, hi, "i.loan_id")}
        ) AS due
        WHERE {LOAN}.id = due.loan_id AND {LOAN}.{ACTIVE} AND {LOAN}.next_due_date = {day}
        """
    )
    _execute(
        f"""
        UPDATE {INSTALMENT} SET status = '{Instalment.Status.DUE}'
        WHERE due_date = {day} AND status = '{Instalment.Status.SCHEDULED}'
          AND {in_partition(lo, hi, "loan_id")}
          AND (principal > paid_principal OR interest > paid_interest)
          AND EXISTS (
              SELECT 1 FROM {LOAN} WHERE {LOAN}.id = {INSTALMENT}.loan_id AND {LOAN}.{ACTIVE})
        """
    )
    _refuse_unrolled_loans(ctx)
    _apply_held_overpayments(ctx)
    return rolled


class LoanScheduleMismatch(RuntimeError):
    """A loan is due today but has no live instalment due today: its schedule is broken."""


def _refuse_unrolled_loans(ctx: StepContext) -> None:
    """Stop the run rather than accrue a period past its due date without its instalment."""
    stuck = _fetch(
        f"SELECT public_id FROM {LOAN} WHERE next_due_date = {date_literal(ctx.business_date)}"
        f" AND {in_partition(ctx.partition.lo, ctx.partition.hi)} AND {ACTIVE} ORDER BY id"
    )
    if stuck:
        loans = ", ".join(row[0] for row in stuck[:10])
        raise LoanScheduleMismatch(
            f"{len(stuck)} loans are due on {ctx.business_date} without an instalment due"
            f" that day: {loans}"
        )


def _apply_held_overpayments(ctx: StepContext) -> None:
    """Loans holding an overpayment whose instalment just fell due unpaid get it applied.

    A loan holds unapplied money only when nothing was due (payments go to what is due
    first), so the candidates are the loans with an instalment due today: found through the
    instalments' due-date index instead of a scan of every loan.
    """
    day = date_literal(ctx.business_date)
    loan_ids = [
        row[0]
        for row in _fetch(
            f"SELECT l.id FROM {INSTALMENT} i JOIN {LOAN} l ON l.id = i.loan_id"
            f" WHERE i.due_date = {day} AND i.status = '{Instalment.Status.DUE}'"
            f" AND {in_partition(ctx.partition.lo, ctx.partition.hi, 'i.loan_id')}"
            f" AND l.{ACTIVE} AND l.unapplied_balance > 0 ORDER BY l.id"
        )
    ]
    if loan_ids:
        from microloan.lending.services.repayments import apply_unapplied_receipts

        apply_unapplied_receipts(
            actor=ctx.actor, loan_ids=loan_ids, business_date=ctx.business_date
        )


def accrue_interest(ctx: StepContext) -> int:
    """Accrue day D: ``period_accrued = round(period_principal × rate × (D + 1 − start))``.

    The day's amount is the difference from what the period had accrued (cumulative rounding
    never drifts); it lands in ``interest_receivable`` and ``last_accrual_amount`` and is posted
    per product: Dr 1302 interest receivable / Cr 6011 interest income.
    """
    day = date_literal(ctx.business_date)
    days = f"({days_since(ctx.business_date, 'period_start_date')} + 1)"
    accrued = round_rate_product(f"period_principal * daily_rate_e8 * {days}")
    scope = f"{in_partition(ctx.partition.lo, ctx.partition.hi)} AND {ACTIVE}"
    accrued_loans = _execute(
        f"""
        UPDATE {LOAN} SET
            period_days_accrued = {days},
            period_accrued = {accrued},
            interest_receivable = interest_receivable + ({accrued}) - period_accrued,
            last_accrual_amount = ({accrued}) - period_accrued,
            last_accrual_date = {day},
            version = version + 1
        WHERE {scope} AND period_start_date <= {day}
          AND (last_accrual_date IS NULL OR last_accrual_date < {day})
        """
    )
    totals = _totals_by_product(f"{scope} AND last_accrual_date = {day}", "last_accrual_amount")
    postings.post_interest_accrual(ctx, totals)
    return accrued_loans


def delinquency(ctx: StepContext) -> int:
    """Days past due for D: ``dpd = D − oldest_unpaid_due_date`` (0 when nothing is unpaid).

    The oldest unpaid due date lives on the loan row: mark_due sets it when an instalment rolls
    unpaid, and repayments move it forward (lending's settlement.refresh_delinquency), so no
    instalment needs reading here. Only loans that are or were delinquent change.
    """
    dpd = (
        f"CASE WHEN oldest_unpaid_due_date IS NULL THEN 0"
        f" ELSE {days_since(ctx.business_date, 'oldest_unpaid_due_date')} END"
    )
    return _execute(
        f"""
        UPDATE {LOAN} SET dpd = {dpd}, version = version + 1
        WHERE {in_partition(ctx.partition.lo, ctx.partition.hi)} AND {ACTIVE}
          AND (oldest_unpaid_due_date IS NOT NULL OR dpd <> 0) AND dpd <> {dpd}
        """
    )


def penalty(ctx: StepContext) -> int:
    """Penalty for day D on overdue principal once past grace (``dpd > grace_days``).

    ``round(overdue_principal × penalty_rate)`` a day; posted per product: Dr 1303 penalty
    receivable / Cr 6012 penalty income.
    """
    day = date_literal(ctx.business_date)
    amount = round_rate_product("overdue_principal * penalty_rate_e8")
    scope = f"{in_partition(ctx.partition.lo, ctx.partition.hi)} AND {ACTIVE}"
    charged = _execute(
        f"""
        UPDATE {LOAN} SET
            penalty_receivable = penalty_receivable + ({amount}),
            last_penalty_amount = {amount},
            last_penalty_date = {day},
            version = version + 1
        WHERE {scope} AND overdue_principal > 0 AND dpd > grace_days
          AND (last_penalty_date IS NULL OR last_penalty_date < {day})
        """
    )
    if charged:
        totals = _totals_by_product(f"{scope} AND last_penalty_date = {day}", "last_penalty_amount")
        postings.post_penalty_accrual(ctx, totals)
    return charged


def classification(ctx: StepContext) -> int:
    """Five categories by DPD (restructured → at least substandard); writes changed rows only."""
    category = category_case()
    return _execute(
        f"""
        UPDATE {LOAN} SET category = {category}, version = version + 1
        WHERE {in_partition(ctx.partition.lo, ctx.partition.hi)} AND {ACTIVE}
          AND category <> {category}
        """
    )


def provisions(ctx: StepContext) -> int:
    """Per product: allowance required by category vs the GL 1309 balance → post the gap.

    Required = Σ principal outstanding × rate of the loan's category, rounded half-up on the
    product's total. More than held: Dr 6701 / Cr 1309; less: the reverse. One scan sums the
    principal of each category per product (no sort by category); a loan whose category is
    none of the five stops the step rather than go unprovisioned.
    """
    categories = list(Category)
    sums = ", ".join(
        f"SUM(CASE WHEN category = '{c}' THEN principal_outstanding ELSE 0 END)" for c in categories
    )
    known = ", ".join(f"'{c}'" for c in categories)
    principal: dict[str, dict[str, int]] = {}
    for product, unknown, *by_category in _fetch(
        f"SELECT product_code, SUM(CASE WHEN category IN ({known}) THEN 0 ELSE 1 END), {sums}"
        f" FROM {LOAN} WHERE {ACTIVE} GROUP BY product_code"
    ):
        if unknown:
            raise ValueError(f"{unknown} active {product} loans have an unknown category")
        principal[product] = {c: int(v) for c, v in zip(categories, by_category, strict=True)}
    rates = provision_rates(settings.EOD_PROVISION_RATES)
    held = postings.allowance_balances()
    changes = {
        product: required_allowance(principal.get(product, {}), rates) - held.get(product, 0)
        for product in set(principal) | set(held)
    }
    return postings.post_provisions(ctx, changes)  # entries posted: one per changed product


def portfolio_snapshot(ctx: StepContext) -> int:
    """Batch's snapshot of the day from lending's figures per product, category and bucket."""
    return store_portfolio_snapshot(ctx.business_date, portfolio_positions())


# Registered in this order at the places batch.registry.CORE_STEP_ORDER gives them.
CORE_STEPS = {
    "mark_due": (mark_due, True),
    "accrue_interest": (accrue_interest, True),
    "delinquency": (delinquency, True),
    "penalty": (penalty, True),
    "classification": (classification, True),
    "provisions": (provisions, False),
    "portfolio_snapshot": (portfolio_snapshot, False),
}
