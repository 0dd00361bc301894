"""A run that fails inside a step after some partitions committed resumes where it stopped and
ends exactly where an uninterrupted run ends."""

from __future__ import annotations

import pytest
from django.db import transaction

from microloan.audit.models import AuditRecord
from microloan.batch import registry
from microloan.batch.models import EodCheckpoint, EodRun
from microloan.batch.registry import EodStep
from microloan.batch.services import BATCH_ACTOR, run_eod
from microloan.kernel.services import get_business_date
from microloan.ledger.models import JournalEntry
from microloan.lending.eod.steps import LoanScheduleMismatch
from microloan.lending.models import Loan

from .conftest import BOOK_DATE
from .helpers import assert_subledger_equals_gl, book_state

pytestmark = pytest.mark.django_db


class PowerCut(Exception):
    pass


def _failing_on(step_name: str, partition: int) -> EodStep:
    def failing(original):
        def run(ctx):
            rows = original(ctx)  # the partition's work is done… and then the process dies
            if ctx.partition.index == partition:
                raise PowerCut(f"{step_name} partition {partition}")
            return rows

        return run

    step = registry._core[step_name]
    return EodStep(step.name, failing(step.run), step.partitioned)


def _uninterrupted_state(days: int) -> dict:
    with transaction.atomic():
        for _day in range(days):
            run_eod(actor=BATCH_ACTOR, partitions=3)
        state = book_state()
        transaction.set_rollback(True)
    return state


@pytest.mark.parametrize("step_name", ["accrue_interest", "penalty", "provisions"])
def test_resume_after_a_failure_inside_a_step(book, monkeypatch, step_name):
    expected = _uninterrupted_state(days=2)
    assert get_business_date() == BOOK_DATE

    failing_partition = 0 if step_name == "provisions" else 1
    monkeypatch.setitem(registry._core, step_name, _failing_on(step_name, failing_partition))
    with pytest.raises(PowerCut):
        run_eod(actor=BATCH_ACTOR, partitions=3)
    run = EodRun.objects.get()
    assert run.status == EodRun.Status.FAILED and "PowerCut" in run.error
    assert get_business_date() == BOOK_DATE  # the date moves only with a completed run
    done = set(EodCheckpoint.objects.values_list("step", "partition"))
    assert ("mark_due", 2) in done
    assert (step_name, failing_partition) not in done  # rolled back with its postings
    if failing_partition:
        assert (step_name, 0) in done
    assert not JournalEntry.objects.filter(
        source_ref__startswith=f"eod:{step_name}:", source_ref__endswith=f":{failing_partition}"
    ).exists()

    monkeypatch.undo()
    resumed = run_eod(actor=BATCH_ACTOR, partitions=7)  # a resumed run keeps its 3 partitions
    assert resumed.public_id == run.public_id
    assert resumed.status == EodRun.Status.COMPLETED and len(resumed.partitions) == 3
    run_eod(actor=BATCH_ACTOR, partitions=3)
    assert book_state() == expected
    assert_subledger_equals_gl()
    actions = AuditRecord.objects.filter(object_id=run.public_id).order_by("seq")
    assert list(actions.values_list("action", flat=True)) == [
        "eod.run_started",
        "eod.run_failed",
        "eod.run_resumed",
        "eod.run_completed",
    ]


def test_a_loan_due_without_an_instalment_stops_the_run_loudly(book):
    loan = Loan.objects.filter(status="active", next_due_date__gt=BOOK_DATE).order_by("id").first()
    Loan.objects.filter(pk=loan.pk).update(next_due_date=BOOK_DATE)  # a broken schedule
    before = book_state()
    with pytest.raises(LoanScheduleMismatch, match=loan.public_id):
        run_eod(actor=BATCH_ACTOR)
    assert EodRun.objects.get().status == EodRun.Status.FAILED
    assert not EodCheckpoint.objects.exists()  # the failing partition kept nothing
    assert book_state() == before
    assert get_business_date() == BOOK_DATE
