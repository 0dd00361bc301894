"""Auto-debit on the due date (end-of-day slot ``auto_debit``, issue #6).

For business date D and one partition of loan ids: every active loan with an instalment that
fell due on D and is still unpaid (``mark_due`` ran earlier in the same run and moved it into
the loan's overdue columns) gets one order debiting what is due now — overdue principal,
interest and penalty. Lending finds them in one query (lending.interface.debits_due), customers
names their cards (customers.interface.cards_for_debit), one bulk INSERT writes the orders; the
key ``auto_debit:<D>`` per loan makes a rerun for the same date add nothing. The orders go to
the bank after the step commits (a task, or the sweep): never from inside the run, whose later
steps must see the books as of D.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from microloan.audit.services import record_audit
from microloan.batch.registry import StepContext
from microloan.customers.interface import cards_for_debit
from microloan.kernel.ids import new_public_id
from microloan.lending.interface import debits_due

from .. import conf
from ..models import ORDER_ID_PREFIX, PaymentOrder
from .orders import send_after_commit

HOOK_NAME = "payments.auto_debit"
ORDER = PaymentOrder._meta.db_table
ORDERED_CHUNK = 500  # loan ids per look-up: well under every backend's parameter limit


def purpose_key(ctx: StepContext) -> str:
    return f"auto_debit:{ctx.business_date.isoformat()}"


def create_auto_debit_orders(ctx: StepContext) -> int:
    """Create the day's auto-debit orders for the partition; returns how many were created."""
    purpose = purpose_key(ctx)
    due = debits_due(ctx.partition.lo, ctx.partition.hi, ctx.business_date)
    if not due:
        return 0
    ordered = _loans_ordered([debit.loan_id for debit in due], purpose)
    due = [debit for debit in due if debit.loan_id not in ordered]
    if not due:
        return 0
    cards = cards_for_debit(debit.customer_id for debit in due)
    rows = [
        (debit.loan_id, debit.customer_id, debit.amount, cards.get(debit.customer_id, ""))
        for debit in due
    ]
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


def _loans_ordered(loan_ids: list[str], purpose: str) -> set[str]:
    """Those of ``loan_ids`` with an auto-debit order for ``purpose`` already (a rerun skips
    them): probes of the (kind, loan, purpose) unique index, a chunk of loans at a time."""
    ordered: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(loan_ids), ORDERED_CHUNK):
            chunk = loan_ids[start : start + ORDERED_CHUNK]
            cursor.execute(
                f"SELECT loan_id FROM {ORDER} WHERE kind = %s AND purpose_key = %s"
                f" AND loan_id IN ({', '.join(['%s'] * len(chunk))})",
                [PaymentOrder.Kind.AUTO_DEBIT.value, purpose, *chunk],
            )
            ordered.update(row[0] for row in cursor.fetchall())
    return ordered


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
