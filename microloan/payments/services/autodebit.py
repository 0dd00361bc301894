"""Auto-debit on the due date (end-of-day slot ``auto_debit``, issue #6).

For business date D and one partition of loan ids: every active loan with an instalment that
fell due on D and is still unpaid (``mark_due`` ran earlier in the same run and moved it into
the loan's overdue columns) gets one order debiting what is due now — overdue principal,
interest and penalty. One SELECT finds them (through the instalments' due-date index), one
bulk INSERT writes the orders; the key ``auto_debit:<D>`` per loan makes a rerun for the same
date add nothing. The orders go to the bank after the step commits (a task, or the sweep):
never from inside the run, whose later steps must see the books as of D.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from microloan.audit.services import record_audit
from microloan.batch.registry import StepContext
from microloan.batch.sql import date_literal, in_partition
from microloan.customers.models import Customer
from microloan.kernel.ids import new_public_id
from microloan.lending.models import Instalment, Loan

from .. import conf
from ..models import ORDER_ID_PREFIX, PaymentOrder
from .orders import send_after_commit

HOOK_NAME = "payments.auto_debit"
LOAN = Loan._meta.db_table
INSTALMENT = Instalment._meta.db_table
CUSTOMER = Customer._meta.db_table
ORDER = PaymentOrder._meta.db_table


def purpose_key(ctx: StepContext) -> str:
    return f"auto_debit:{ctx.business_date.isoformat()}"


def create_auto_debit_orders(ctx: StepContext) -> int:
    """Create the day's auto-debit orders for the partition; returns how many were created."""
    purpose = purpose_key(ctx)
    day = date_literal(ctx.business_date)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT l.public_id, l.customer_id,
                   l.overdue_principal + l.overdue_interest + l.penalty_receivable,
                   COALESCE(c.bank_card_index, '')
            FROM {LOAN} l
            LEFT JOIN {CUSTOMER} c ON c.public_id = l.customer_id
            WHERE l.status = '{Loan.Status.ACTIVE}'
              AND {in_partition(ctx.partition.lo, ctx.partition.hi, "l.id")}
              AND l.overdue_principal + l.overdue_interest + l.penalty_receivable > 0
              AND l.id IN (
                  SELECT i.loan_id FROM {INSTALMENT} i
                  WHERE i.due_date = {day} AND i.status = '{Instalment.Status.DUE}'
                    AND {in_partition(ctx.partition.lo, ctx.partition.hi, "i.loan_id")})
              AND NOT EXISTS (
                  SELECT 1 FROM {ORDER} o WHERE o.kind = '{PaymentOrder.Kind.AUTO_DEBIT}'
                    AND o.loan_id = l.public_id AND o.purpose_key = %s)
            ORDER BY l.id
            """,
            [purpose],
        )
        rows = cursor.fetchall()
    if not rows:
        return 0
    order_ids = _insert_orders(rows, purpose, ctx)
    record_audit(
        actor=ctx.actor,
        action="payment_order.auto_debit_created",
        object_type="eod_partition",
        object_id=f"{HOOK_NAME}:{ctx.business_date.isoformat()}:{ctx.partition.index}",
        after={"orders": len(order_ids), "amount": sum(row[2] for row in rows)},
    )
    send_after_commit(order_ids, inline_allowed=False)
    return len(order_ids)


ORDER_COLUMNS = (
    "public_id", "kind", "customer_id", "loan_id", "purpose_key", "amount", "card_masked",
    "card_index", "status", "channel", "channel_ref", "attempts", "queries", "failure_code",
    "business_date", "posted_ref", "posting_error", "created_at", "updated_at",
)  # fmt: skip


def _insert_orders(rows, purpose: str, ctx: StepContext) -> list[str]:
    """One executemany INSERT of the orders (the ORM's bulk_create spends most of the step
    preparing values field by field); ON CONFLICT keeps a concurrent rerun harmless."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    day = ops.adapt_datefield_value(ctx.business_date)
    channel = conf.channel_name()
    kind, created = PaymentOrder.Kind.AUTO_DEBIT.value, PaymentOrder.Status.CREATED.value
    values = [
        (new_public_id(ORDER_ID_PREFIX), kind, customer_id, loan_id, purpose, amount, "",
         card_index, created, channel, "", 0, 0, "", day, "", "", now, now)
        for loan_id, customer_id, amount, card_index in rows
    ]  # fmt: skip
    columns = ", ".join(ORDER_COLUMNS)
    marks = ", ".join(["%s"] * len(ORDER_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {ORDER} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING", values
        )
    return [value[0] for value in values]
