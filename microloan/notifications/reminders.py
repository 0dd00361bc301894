"""Repayment reminders and overdue notices, written by end of day (issue #6).

End of day for business date D runs after D has closed, so its messages are read on D + 1:
"due in 3 days" means due on D + 1 + 3, "due today" means due on D + 1. For each partition of
loan ids the step reads, in one query, the open instalments of active loans falling due on
those days, and in a second the loans that just reached an overdue-notice day; it renders the
messages in each borrower's language and inserts them in bulk. Dedupe keys name the
instalment and the offset, so a rerun (or a resumed run) writes nothing twice. Messages
written outside the allowed hours wait (``not_before``) for the next morning.

Offsets per product: ``ReminderPolicy`` rows, else ``settings.NOTIFICATIONS_REMINDER_OFFSETS``
(default 3, 1, 0). Overdue notices on ``settings.NOTIFICATIONS_OVERDUE_NOTICE_DAYS`` (1, 7).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from microloan.batch.registry import StepContext
from microloan.batch.sql import date_literal, fetch_rows, in_partition
from microloan.lending.models import Instalment, Loan

from . import defaults as t
from .models import Channel, ReminderPolicy
from .outbox import build_message, insert_new_messages
from .services import DEFAULT_LANGUAGE, preferred_languages, template_for_sending
from .timing import AllowedHours, parse_hours

READ_LAG = dt.timedelta(days=1)  # EOD of D writes what the borrower reads on D + 1
REMINDER_CHANNELS = (Channel.SMS, Channel.PUSH)
OPEN_INSTALMENT = (Instalment.Status.SCHEDULED, Instalment.Status.DUE)


def current_time() -> dt.datetime:
    """The wall clock (only for allowed hours; tests replace it)."""
    return timezone.now()


def allowed_hours() -> AllowedHours:
    return parse_hours(settings.NOTIFICATIONS_ALLOWED_HOURS)


def reminder_offsets() -> tuple[tuple[int, ...], dict[str, tuple[int, ...]]]:
    """(default offsets, product code → offsets for products with their own policy)."""
    default = tuple(settings.NOTIFICATIONS_REMINDER_OFFSETS)
    policies = {
        code: tuple(int(day) for day in offsets)
        for code, offsets in ReminderPolicy.objects.values_list("product_code", "offsets")
    }
    return default, policies


def write_reminders(ctx: StepContext) -> int:
    """The EOD hook: reminders and overdue notices for loans in the partition; rows written."""
    now = current_time()
    not_before = allowed_hours().not_before(now)
    read_on = ctx.business_date + READ_LAG
    rows = _reminder_rows(ctx, read_on)
    notices = _overdue_rows(ctx)
    languages = preferred_languages([row[1] for row in rows] + [row[1] for row in notices])
    reminder = template_for_sending(t.REPAYMENT_REMINDER)
    due_today = template_for_sending(t.REPAYMENT_DUE_TODAY)
    overdue = template_for_sending(t.OVERDUE_NOTICE)
    messages = []
    for loan_id, customer_id, number, due_date, amount in rows:
        days = (due_date - read_on).days
        template = due_today if days == 0 else reminder
        for channel in REMINDER_CHANNELS:
            messages.append(
                build_message(
                    template,
                    customer_id=customer_id,
                    channel=channel,
                    variables={"days": days, "due_date": due_date.isoformat(), "amount": amount},
                    dedupe_key=f"reminder:{loan_id}:{number}:{due_date.isoformat()}:{days}",
                    language=languages.get(customer_id, DEFAULT_LANGUAGE),
                    now=now,
                    not_before=not_before,
                )
            )
    for loan_id, customer_id, due_date, dpd, amount in notices:
        for channel in (Channel.SMS, Channel.INBOX):
            messages.append(
                build_message(
                    overdue,
                    customer_id=customer_id,
                    channel=channel,
                    variables={
                        "due_date": due_date.isoformat(),
                        "days_past_due": dpd,
                        "overdue_amount": amount,
                    },
                    dedupe_key=f"overdue:{loan_id}:{due_date.isoformat()}:{dpd}",
                    language=languages.get(customer_id, DEFAULT_LANGUAGE),
                    now=now,
                    not_before=not_before,
                )
            )
    return insert_new_messages(messages)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _reminder_rows(ctx: StepContext, read_on: dt.date) -> list[tuple]:
    """(loan id, customer id, instalment number, due date, amount left) to remind of."""
    default, policies = reminder_offsets()
    every_offset = set(default).union(*policies.values()) if policies else set(default)
    if not every_offset:
        return []
    due_dates = [read_on + dt.timedelta(days=days) for days in sorted(every_offset)]
    # Plain SQL, instalments first (CROSS JOIN keeps SQLite's order): the day's instalments of
    # the partition straight from the (due date, status, loan) index, then their loans by key.
    # Loans first made SQLite probe every loan of the partition once per offset.
    loan, instalment = Loan._meta.db_table, Instalment._meta.db_table
    dates = ", ".join(date_literal(day) for day in due_dates)
    states = ", ".join(f"'{status}'" for status in OPEN_INSTALMENT)
    found = (
        (loan_id, customer_id, product, number, _as_date(due_date), *amounts)
        for loan_id, customer_id, product, number, due_date, *amounts in fetch_rows(
            f"""
            SELECT l.public_id, l.customer_id, l.product_code, i.number, i.due_date,
                   i.principal, i.interest, i.penalty,
                   i.paid_principal, i.paid_interest, i.paid_penalty, l.unapplied_balance,
                   l.overdue_principal, l.overdue_interest, l.penalty_receivable
            FROM {instalment} i CROSS JOIN {loan} l
            WHERE i.due_date IN ({dates}) AND i.status IN ({states})
              AND {in_partition(ctx.partition.lo, ctx.partition.hi, "i.loan_id")}
              AND l.id = i.loan_id AND l.status = '{Loan.Status.ACTIVE}'
            ORDER BY i.loan_id, i.due_date
            """
        )
    )
    rows = []
    held_by_loan: dict[str, int] = {}
    for loan_id, customer_id, product, number, due_date, *amounts in found:
        principal, interest, penalty, paid_principal, paid_interest, paid_penalty = amounts[:6]
        unapplied, overdue_principal, overdue_interest, penalty_owed = amounts[6:]
        left = principal + interest + penalty - paid_principal - paid_interest - paid_penalty
        # Money the loan already holds (paid ahead, 2241) goes to what is overdue first, then
        # to the instalments in due-date order: remind only of what it does not cover.
        if loan_id not in held_by_loan:
            held_by_loan[loan_id] = max(
                unapplied - overdue_principal - overdue_interest - penalty_owed, 0
            )
        covered = min(left, held_by_loan[loan_id])
        held_by_loan[loan_id] -= covered
        left -= covered
        if left <= 0 or (due_date - read_on).days not in policies.get(product, default):
            continue
        rows.append((loan_id, customer_id, number, due_date, left))
    return rows


def _overdue_rows(ctx: StepContext) -> list[tuple]:
    """(loan id, customer id, oldest unpaid due date, dpd, overdue amount) to notify."""
    days = tuple(settings.NOTIFICATIONS_OVERDUE_NOTICE_DAYS)
    if not days:
        return []
    found = Loan.objects.filter(
        id__gte=ctx.partition.lo,
        id__lt=ctx.partition.hi,
        status=Loan.Status.ACTIVE,
        dpd__in=days,
        oldest_unpaid_due_date__isnull=False,
    ).values_list(
        "public_id",
        "customer_id",
        "oldest_unpaid_due_date",
        "dpd",
        "overdue_principal",
        "overdue_interest",
        "penalty_receivable",
    )
    return [
        (loan_id, customer_id, due_date, dpd, principal + interest + penalty)
        for loan_id, customer_id, due_date, dpd, principal, interest, penalty in found
        if principal + interest + penalty > 0
    ]
