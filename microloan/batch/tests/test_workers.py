"""Several workers share one business day on PostgreSQL: each (step, partition) is claimed
with SELECT … FOR UPDATE SKIP LOCKED, done once, and steps stay barriers."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pytest
from django.db import connection

from microloan.batch.models import EodCheckpoint, EodRun
from microloan.batch.registry import register_hook, unregister_hook
from microloan.batch.services import BATCH_ACTOR, start_or_resume_run, work_on_eod
from microloan.kernel.services import get_business_date

from .conftest import BOOK_DATE
from .helpers import assert_subledger_equals_gl

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SLOW_HOOK = "test.slow_collections"


@pytest.fixture
def slow_hook():
    """A partitioned hook slow enough that two workers certainly overlap on it."""
    register_hook(
        "collections", name=SLOW_HOOK, run=lambda ctx: time.sleep(0.15) or 0, partitioned=True
    )
    yield
    unregister_hook(SLOW_HOOK)


def test_two_workers_share_a_day(book, slow_hook):
    run = start_or_resume_run(actor=BATCH_ACTOR, partitions=6)
    done: dict[str, list[tuple[str, int]]] = defaultdict(list)
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            work_on_eod(
                actor=BATCH_ACTOR,
                idle_seconds=0.5,
                on_checkpoint=lambda c: done[name].append((c.step, c.partition)),
            )
        except BaseException as error:  # surfaced in the main thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    run.refresh_from_db()
    assert run.status == EodRun.Status.COMPLETED
    assert get_business_date() == BOOK_DATE.replace(day=2)
    claimed = done["a"] + done["b"]
    assert len(claimed) == len(set(claimed)) == EodCheckpoint.objects.filter(run=run).count()
    for name in ("a", "b"):  # both took part in the slow step
        assert any(step == SLOW_HOOK for step, _partition in done[name]), name
    # Barriers: every checkpoint of a step committed before any of the next step.
    order = [c.step for c in EodCheckpoint.objects.filter(run=run).order_by("finished_at", "id")]
    assert order == sorted(order, key=[s for s in dict.fromkeys(order)].index)
    assert_subledger_equals_gl()
