"""Repayment reminders and overdue notices, written by end of day (issue #6).

End of day for business date D runs after D has closed, so its messages are read on D + 1:
"due in 3 days" means due on D + 1 + 3, "due today" means due on D + 1. For each partition of
loan ids the step asks lending (lending.interface), one query each, for the open instalments
of active loans falling due on those days and for the loans that just reached an
overdue-notice day; it renders the messages in each borrower's language and inserts them in
bulk. Dedupe keys name the instalment and the offset, so a rerun (or a resumed run) writes
nothing twice. Messages written outside the allowed hours wait (``not_before``) for the next
morning.

Offsets per product: ``ReminderPolicy`` rows, else ``settings.NOTIFICATIONS_REMINDER_OFFSETS``
(default 3, 1, 0). Overdue notices on ``settings.NOTIFICATIONS_OVERDUE_NOTICE_DAYS`` (1, 7).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from microloan.batch.registry import StepContext
from microloan.lending.interface import instalments_due, loans_at_dpd

from . import defaults as t
from .models import Channel, ReminderPolicy
from .outbox import build_message, insert_new_messages
from .services import DEFAULT_LANGUAGE, preferred_languages, template_for_sending
from .timing import AllowedHours, parse_hours

READ_LAG = dt.timedelta(days=1)  # EOD of D writes what the borrower reads on D + 1
REMINDER_CHANNELS = (Channel.SMS, Channel.PUSH)


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


def _reminder_rows(ctx: StepContext, read_on: dt.date) -> list[tuple]:
    """(loan id, customer id, instalment number, due date, amount left) to remind of."""
    default, policies = reminder_offsets()
    every_offset = set(default).union(*policies.values()) if policies else set(default)
    if not every_offset:
        return []
    due_dates = [read_on + dt.timedelta(days=days) for days in sorted(every_offset)]
    # Lending leaves out what money the loan already holds covers, in one query per partition.
    return [
        (due.loan_id, due.customer_id, due.number, due.due_date, due.amount_left)
        for due in instalments_due(ctx.partition.lo, ctx.partition.hi, due_dates)
        if (due.due_date - read_on).days in policies.get(due.product_code, default)
    ]


def _overdue_rows(ctx: StepContext) -> list[tuple]:
    """(loan id, customer id, oldest unpaid due date, dpd, overdue amount) to notify."""
    days = tuple(settings.NOTIFICATIONS_OVERDUE_NOTICE_DAYS)
    return [tuple(notice) for notice in loans_at_dpd(ctx.partition.lo, ctx.partition.hi, days)]
