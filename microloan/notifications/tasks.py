"""Background delivery with django-tasks (database backend; run workers with
``microloan db_worker``). A task is queued after the commit that wrote messages; it delivers
what is due, and several workers running it at once are safe (see ``delivery``)."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

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
    """Queue one delivery task, to run at ``run_after`` if that is in the future."""
    runnable = deliver_due_messages_task
    if run_after is not None and run_after > timezone.now():
        runnable = runnable.using(run_after=run_after)
    runnable.enqueue()
