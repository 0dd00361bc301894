"""Background delivery with django-tasks (database backend; run workers with
``microloan db_worker``). A task is queued after the commit that wrote messages; it delivers
what is due, and several workers running it at once are safe (see ``delivery``)."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import TaskResultStatus, task

from microloan.kernel.sql import select_values

from .delivery import deliver_due_messages

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_BATCHES_PER_TASK = 50  # then queue a follow-up, so one task never runs for hours


@task()
def deliver_due_messages_task() -> dict[str, int]:
    """Deliver due messages in batches until none is left (or the batch budget is spent)."""
    totals: dict[str, int] = {}
    for _batch in range(MAX_BATCHES_PER_TASK):
        counts = deliver_due_messages(BATCH_SIZE)
        for outcome, count in counts.items():
            totals[outcome] = totals.get(outcome, 0) + count
        if sum(counts.values()) < BATCH_SIZE:
            return totals
    enqueue_delivery()
    return totals


def enqueue_delivery(run_after: dt.datetime | None = None) -> None:
    """Queue one delivery task, to run at ``run_after`` if that is in the future.

    A task due now is not queued when one is already waiting to start: it delivers every
    message due when it runs, and it cannot have started (so cannot miss the messages this
    call is for, which were committed before the look). One task per burst of messages, not
    one per message."""
    now = timezone.now()
    runnable = deliver_due_messages_task
    if run_after is not None and run_after > now:
        runnable = runnable.using(run_after=run_after)
    elif _delivery_waiting(now):
        return
    runnable.enqueue()


def _delivery_waiting(now: dt.datetime) -> bool:
    from django.db import connection
    from django_tasks_db.models import DBTaskResult, get_date_max

    if connection.in_atomic_block:
        # Inside a transaction (a test's, or on_commit running in one) the look could see a
        # task that will roll back with it: queue one.
        return False
    adapt = connection.ops.adapt_datetimefield_value
    return bool(
        select_values(
            DBTaskResult,
            ["id"],
            '"status" = %s AND "task_path" = %s AND ("run_after" = %s OR "run_after" <= %s)',
            [
                TaskResultStatus.READY.value,
                deliver_due_messages_task.module_path,
                adapt(get_date_max()),
                adapt(now),
            ],
            limit=1,
        )
    )
