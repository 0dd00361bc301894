"""Running a day, or any of its steps, again changes nothing and posts nothing twice."""

from __future__ import annotations

import pytest

from microloan.audit.models import AuditRecord
from microloan.batch.models import EodCheckpoint, EodRun
from microloan.batch.registry import Partition, StepContext, eod_steps
from microloan.batch.services import BATCH_ACTOR, run_eod
from microloan.kernel.errors import Conflict
from microloan.kernel.services import get_business_date
from microloan.ledger.models import JournalEntry

from .conftest import BOOK_DATE
from .helpers import assert_subledger_equals_gl, book_state

pytestmark = pytest.mark.django_db


def test_every_step_rerun_for_the_same_day_changes_nothing(book):
    run = run_eod(actor=BATCH_ACTOR, partitions=3)
    assert run.status == EodRun.Status.COMPLETED and len(run.partitions) == 3
    after_run = book_state()
    entries = JournalEntry.objects.count()
    # As if no checkpoint had been written: every step on every partition again, twice.
    for _again in range(2):
        for step in eod_steps():
            bounds = run.partitions if step.partitioned else [[0, 2**63 - 1]]
            for index, (lo, hi) in enumerate(bounds):
                step.run(
                    StepContext(run.public_id, BOOK_DATE, BATCH_ACTOR, Partition(index, lo, hi))
                )
    assert book_state() == after_run
    assert JournalEntry.objects.count() == entries
    assert_subledger_equals_gl()


def test_a_day_cannot_be_run_twice(book):
    run_eod(actor=BATCH_ACTOR, business_date=BOOK_DATE)
    before = book_state()
    audit_rows = AuditRecord.objects.count()
    with pytest.raises(Conflict) as refused:
        run_eod(actor=BATCH_ACTOR, business_date=BOOK_DATE)
    assert refused.value.code == "business_date_mismatch"
    assert book_state() == before
    assert AuditRecord.objects.count() == audit_rows
    assert EodRun.objects.count() == 1


def test_one_run_per_date_with_one_checkpoint_per_step_and_partition(book):
    run_eod(actor=BATCH_ACTOR, partitions=2)
    run_eod(actor=BATCH_ACTOR, partitions=2)
    assert get_business_date() == BOOK_DATE.replace(day=3)
    assert EodRun.objects.count() == 2
    steps = eod_steps()
    expected = sum(2 if step.partitioned else 1 for step in steps)
    for run in EodRun.objects.all():
        checkpoints = EodCheckpoint.objects.filter(run=run)
        assert checkpoints.count() == expected
        assert [s["step"] for s in run.counts["steps"]] == [step.name for step in steps]
        assert sum(s["partitions"] for s in run.counts["steps"]) == expected
    actions = list(
        AuditRecord.objects.filter(object_type="eod_run").values_list("action", flat=True)
    )
    assert sorted(actions) == sorted(["eod.run_started", "eod.run_completed"] * 2)


def test_the_run_is_refused_to_an_actor_without_the_permission(book):
    from microloan.kernel.actors import Actor
    from microloan.kernel.errors import PermissionDenied

    clerk = Actor(kind="staff", id="clerk", permissions=frozenset({"batch.view_eodrun"}))
    with pytest.raises(PermissionDenied):
        run_eod(actor=clerk)
    assert not EodRun.objects.exists()
    assert get_business_date() == BOOK_DATE
