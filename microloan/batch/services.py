"""Run end of day: start or resume the run for today's business date, work through its
(step, partition) items, complete it and move the business date on.

Crash safety: each item commits in ONE transaction holding its loan UPDATEs, its aggregated
ledger postings, its checkpoint and its work item's ``done`` flag. A process killed at any
point leaves every item either fully done or untouched; running end of day again resumes the
same run (same partitions) and skips what is done. Completing the run and advancing the
business date are one transaction too.

Several processes can share a day (``work_on_eod``): an item is claimed by locking its work
item row (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL) for the length of its
transaction, so a dead worker's claim vanishes with its connection. On SQLite the one write
lock serialises the items instead. Steps are barriers: a process starts step k + 1 only when
every item of step k is done.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections.abc import Callable
from time import perf_counter

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microloan.audit.services import anchor_at_day_close, record_audit
from microloan.kernel.actors import Actor
from microloan.kernel.errors import Conflict, NotFound, ValidationFailed
from microloan.kernel.ids import new_public_id
from microloan.kernel.services import advance_business_date, get_business_date

from .models import EodCheckpoint, EodRun, EodWorkItem
from .registry import (
    EodStep,
    LoanBook,
    Partition,
    StepContext,
    eod_steps,
    loan_book,
    missing_core_steps,
)
from .rules import partition_bounds, partition_count
from .sql import ID_CEILING, batch_connection, checkpoint_wal, is_sqlite

PERM_RUN = "batch.run_eod"
PERM_VIEW = "batch.view_eodrun"
BATCH_ACTOR = Actor.system("eod")  # makes the postings; the run records who started it
BARRIER_POLL_SECONDS = 0.2
WAL_CHECKPOINT_SHARE = 0.2  # SQLite: checkpoint after a step that changed this share of loans

CheckpointCallback = Callable[[EodCheckpoint], None]


def run_eod(
    *,
    actor: Actor,
    business_date: dt.date | None = None,
    partitions: int | None = None,
    on_checkpoint: CheckpointCallback | None = None,
) -> EodRun:
    """Run (or resume) end of day for the current business date and advance it by one day.

    ``business_date``, if given, must be the current one (a guard against running a day twice
    from a stale screen). ``partitions`` applies only when the run starts; a resumed run keeps
    its own. Returns the completed run.
    """
    actor.require(PERM_RUN)
    run = start_or_resume_run(actor=actor, business_date=business_date, partitions=partitions)
    return process_run(run, actor=actor, on_checkpoint=on_checkpoint)


def run_eod_until(
    *,
    actor: Actor,
    until: dt.date,
    partitions: int | None = None,
    on_checkpoint: CheckpointCallback | None = None,
    on_run: Callable[[EodRun], None] | None = None,
) -> list[EodRun]:
    """Run end of day for every business date from the current one up to ``until`` inclusive."""
    actor.require(PERM_RUN)
    if until < get_business_date():
        raise ValidationFailed(
            code="until_before_business_date",
            fields={"until": _("The date is before the current business date.")},
        )
    runs = []
    while get_business_date() <= until:
        run = run_eod(actor=actor, partitions=partitions, on_checkpoint=on_checkpoint)
        runs.append(run)
        if on_run:
            on_run(run)
    return runs


def work_on_eod(
    *,
    actor: Actor,
    idle_seconds: float = 5.0,
    on_checkpoint: CheckpointCallback | None = None,
) -> list[EodRun]:
    """Worker mode: help whatever run is in progress for the current business date, and the
    next day's after it, until none appears for ``idle_seconds``. Returns the runs it helped."""
    actor.require(PERM_RUN)
    helped: list[EodRun] = []
    deadline = time.monotonic() + idle_seconds
    while True:
        run = EodRun.objects.filter(
            business_date=get_business_date(), status=EodRun.Status.RUNNING
        ).first()
        if run is not None:
            _ensure_work_items(run)
            helped.append(process_run(run, actor=actor, on_checkpoint=on_checkpoint))
            deadline = time.monotonic() + idle_seconds
        elif time.monotonic() >= deadline:
            return helped
        else:
            time.sleep(BARRIER_POLL_SECONDS)


def start_or_resume_run(
    *, actor: Actor, business_date: dt.date | None = None, partitions: int | None = None
) -> EodRun:
    """The run for today's business date: a new one (audited), or the interrupted one."""
    actor.require(PERM_RUN)
    today = get_business_date()
    if business_date is not None and business_date != today:
        raise Conflict(
            _("The business date is %(today)s, not %(date)s.")
            % {"today": today.isoformat(), "date": business_date.isoformat()},
            code="business_date_mismatch",
            fields={"business_date": business_date.isoformat()},
        )
    try:
        with transaction.atomic():
            run = EodRun.objects.select_for_update().filter(business_date=today).first()
            if run is None:
                run = _create_run(actor, today, partitions)
            else:
                _resume(run, actor)
            _ensure_work_items(run)
    except IntegrityError:  # another process created today's run a moment ago
        run = EodRun.objects.get(business_date=today)
    return run


def _create_run(actor: Actor, today: dt.date, partitions: int | None) -> EodRun:
    missing = missing_core_steps()
    if missing:  # a run without them would advance the date with the books not moved on
        raise RuntimeError(f"end-of-day core steps not registered: {', '.join(missing)}")
    book = loan_book()
    active = book.active
    size = int(settings.EOD_PARTITION_SIZE)
    count = partition_count(active, partition_size=size, requested=partitions)
    bounds = partition_bounds(_partition_first_ids(book, count), ID_CEILING)
    run = EodRun.objects.create(
        public_id=new_public_id("eod"),
        business_date=today,
        started_by=actor.label[:160],
        started_at=timezone.now(),
        active_loans=active,
        partitions=[list(bound) for bound in bounds],
    )
    record_audit(
        actor=actor,
        action="eod.run_started",
        object_type="eod_run",
        object_id=run.public_id,
        after={"business_date": today, "active_loans": active, "partitions": len(bounds)},
    )
    return run


def _partition_first_ids(book: LoanBook, count: int) -> list[int]:
    """First ids of partitions 2…count: the active loans' id range cut in equal widths.

    The book's lowest and highest id instead of ranking every loan; ids are handed out in
    order, so equal widths hold about equal numbers of loans.
    """
    if count <= 1 or book.lowest_id is None or book.highest_id is None:
        return []
    lo, width = book.lowest_id, book.highest_id - book.lowest_id + 1
    return [lo + width * index // count for index in range(1, count)]


def _resume(run: EodRun, actor: Actor) -> None:
    if run.status == EodRun.Status.COMPLETED:  # its date has moved on; only a race gets here
        raise Conflict(_("End of day for this date has completed."), code="eod_completed")
    before = {"status": run.status, "error": run.error}
    run.status, run.error = EodRun.Status.RUNNING, ""
    run.save(update_fields=["status", "error"])
    done = EodCheckpoint.objects.filter(run=run).count()
    record_audit(
        actor=actor,
        action="eod.run_resumed",
        object_type="eod_run",
        object_id=run.public_id,
        before=before,
        after={"status": run.status, "checkpoints_done": done},
    )


def _ensure_work_items(run: EodRun) -> None:
    """One work item per (step, partition); steps registered since the run began are added."""
    items = []
    for step in eod_steps():
        bounds = run.partitions if step.partitioned else [[0, ID_CEILING]]
        for index, (lo, hi) in enumerate(bounds):
            items.append(EodWorkItem(run=run, step=step.name, partition=index, lo_id=lo, hi_id=hi))
    EodWorkItem.objects.bulk_create(items, ignore_conflicts=True)


def process_run(
    run: EodRun, *, actor: Actor, on_checkpoint: CheckpointCallback | None = None
) -> EodRun:
    """Do every open item of ``run``, step by step, then complete it (once, whoever is last)."""
    worker = f"{socket.gethostname()}:{os.getpid()}"[:160]
    try:
        with batch_connection():
            _work_through(run, worker, on_checkpoint)
        _complete_run(run, actor)
    except Exception as error:
        _mark_failed(run, actor, error)
        raise
    run.refresh_from_db()
    return run


def _work_through(run: EodRun, worker: str, on_checkpoint: CheckpointCallback | None) -> None:
    steps = eod_steps()
    for step in steps:
        rows = 0
        while True:
            checkpoint, open_items = _process_next_item(run, step, worker)
            if checkpoint is not None:
                rows += checkpoint.rows
                if on_checkpoint:
                    on_checkpoint(checkpoint)
            if open_items == 0:
                break  # barrier passed: every partition of this step committed
            if checkpoint is None:  # the open items are other workers' right now
                _wait_for_other_workers(run)
        # After a step that rewrote much of the book (accrual), and at the end: a checkpoint
        # costs an fsync, not worth it for the few rows most steps change.
        if rows >= run.active_loans * WAL_CHECKPOINT_SHARE or step is steps[-1]:
            checkpoint_wal()


def _process_next_item(run: EodRun, step: EodStep, worker: str) -> tuple[EodCheckpoint | None, int]:
    """Claim one open item of ``step`` and do it, checkpoint included, in one transaction.

    Returns the checkpoint (None if no item was free) and how many items of the step are
    still open afterwards (claimed by others included).
    """
    try:
        with transaction.atomic():
            checkpoint = _claim_and_do(run, step, worker)
            return checkpoint, _open_items(run, step)
    except OperationalError as error:
        # SQLite: another process held the write lock past the busy timeout; try again.
        if is_sqlite() and "locked" in str(error) and not connection.in_atomic_block:
            return None, -1
        raise


def _open_items(run: EodRun, step: EodStep) -> int:
    return EodWorkItem.objects.filter(run=run, step=step.name, done=False).count()


def _claim_and_do(run: EodRun, step: EodStep, worker: str) -> EodCheckpoint | None:
    items = EodWorkItem.objects.filter(run=run, step=step.name, done=False).order_by("partition")
    if connection.features.has_select_for_update_skip_locked:
        items = items.select_for_update(skip_locked=True)
    item = items.first()
    if item is None:
        return None
    context = StepContext(
        run_id=run.public_id,
        business_date=run.business_date,
        actor=BATCH_ACTOR,
        partition=Partition(index=item.partition, lo=item.lo_id, hi=item.hi_id),
    )
    started = perf_counter()
    rows = step.run(context)
    checkpoint = EodCheckpoint.objects.create(
        run=run,
        business_date=run.business_date,
        step=step.name,
        partition=item.partition,
        rows=rows,
        seconds=round(perf_counter() - started, 4),
        finished_at=timezone.now(),
    )
    EodWorkItem.objects.filter(pk=item.pk).update(done=True, worker=worker)
    return checkpoint


def _wait_for_other_workers(run: EodRun) -> None:
    if EodRun.objects.filter(pk=run.pk, status=EodRun.Status.FAILED).exists():
        raise Conflict(_("The end-of-day run failed in another process."), code="eod_failed")
    time.sleep(BARRIER_POLL_SECONDS)


def _complete_run(run: EodRun, actor: Actor) -> None:
    with transaction.atomic():
        counts = step_counts(run)
        completed = EodRun.objects.filter(pk=run.pk, status=EodRun.Status.RUNNING).update(
            status=EodRun.Status.COMPLETED, finished_at=timezone.now(), counts=counts
        )
        if not completed:
            return  # another worker completed it first
        record_audit(
            actor=actor,
            action="eod.run_completed",
            object_type="eod_run",
            object_id=run.public_id,
            before={"status": EodRun.Status.RUNNING},
            after={"status": EodRun.Status.COMPLETED, "business_date": run.business_date} | counts,
        )
        advance_business_date(expected_current=run.business_date)
        # The day's close signs the audit chain head into the anchor file, once committed.
        transaction.on_commit(anchor_at_day_close)


def _mark_failed(run: EodRun, actor: Actor, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:2000]
    with transaction.atomic():
        failed = EodRun.objects.filter(pk=run.pk, status=EodRun.Status.RUNNING).update(
            status=EodRun.Status.FAILED, error=message
        )
        if failed:
            record_audit(
                actor=actor,
                action="eod.run_failed",
                object_type="eod_run",
                object_id=run.public_id,
                before={"status": EodRun.Status.RUNNING},
                after={"status": EodRun.Status.FAILED, "error": message},
            )


def step_counts(run: EodRun) -> dict:
    """Rows, seconds (summed over partitions) and partitions of each step, in run order."""
    totals = {
        row["step"]: row
        for row in EodCheckpoint.objects.filter(run=run)
        .values("step")
        .annotate(rows=Sum("rows"), seconds=Sum("seconds"), partitions=Count("id"))
    }
    steps = [
        {
            "step": step.name,
            "rows": int(totals[step.name]["rows"]),
            "seconds": round(totals[step.name]["seconds"], 3),
            "partitions": totals[step.name]["partitions"],
        }
        for step in eod_steps()
        if step.name in totals
    ]
    return {"steps": steps, "seconds": round(sum(s["seconds"] for s in steps), 3)}


def list_runs(*, actor: Actor) -> QuerySet[EodRun]:
    """Every run, newest business date first."""
    actor.require(PERM_VIEW)
    return EodRun.objects.order_by("-business_date")


def get_run(*, actor: Actor, run_id: str) -> EodRun:
    actor.require(PERM_VIEW)
    run = EodRun.objects.filter(public_id=str(run_id)[:60]).first()
    if run is None:
        raise NotFound(
            _("No such end-of-day run."), code="eod_run_not_found", fields={"run_id": run_id}
        )
    return run


def run_checkpoints(*, actor: Actor, run: EodRun) -> list[EodCheckpoint]:
    """The run's committed (step, partition) items in the order they committed."""
    actor.require(PERM_VIEW)
    return list(EodCheckpoint.objects.filter(run=run).order_by("id"))
