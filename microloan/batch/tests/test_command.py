"""``microloan eod``: one day, many days, worker mode, and refused options."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from microloan.audit.services import verify_audit_chain
from microloan.batch.models import EodRun
from microloan.batch.services import BATCH_ACTOR, start_or_resume_run
from microloan.kernel.services import get_business_date

from .conftest import BOOK_DATE

pytestmark = pytest.mark.django_db


def _eod(*args) -> str:
    out = StringIO()
    call_command("eod", *args, stdout=out)
    return out.getvalue()


def test_one_day_prints_each_step_with_its_timing(book):
    printed = _eod("--partitions", "2")
    assert get_business_date() == BOOK_DATE + dt.timedelta(days=1)
    assert "End of day 2026-03-01: completed" in printed
    for step in (
        "mark_due",
        "accrue_interest",
        "delinquency",
        "penalty",
        "classification",
        "provisions",
        "portfolio_snapshot",
    ):
        assert step in printed
    assert len(EodRun.objects.get().partitions) == 2


def test_until_runs_every_day_up_to_and_including_the_date(book):
    printed = _eod("--until", "2026-03-03", "--quiet")
    assert printed == ""
    assert get_business_date() == dt.date(2026, 3, 4)
    assert list(
        EodRun.objects.order_by("business_date").values_list("business_date", flat=True)
    ) == [dt.date(2026, 3, 1), dt.date(2026, 3, 2), dt.date(2026, 3, 3)]


def test_worker_helps_a_run_another_process_started(book):
    run = start_or_resume_run(actor=BATCH_ACTOR, partitions=3)
    printed = _eod("--worker", "--idle", "0")
    assert "completed" in printed
    run.refresh_from_db()
    assert run.status == EodRun.Status.COMPLETED
    assert get_business_date() == BOOK_DATE + dt.timedelta(days=1)


def test_worker_with_nothing_to_do(book):
    with translation.override("en"):
        assert "No end-of-day run to do." in _eod("--worker", "--idle", "0")
    assert get_business_date() == BOOK_DATE


def test_the_close_of_each_day_anchors_the_audit_chain(book, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _eod("--until", "2026-03-02", "--quiet")
    result = verify_audit_chain()
    assert (result.ok, result.anchors) == (True, 2)
    assert result.anchored_seq == result.verified  # the run's own record is anchored too


def test_until_a_day_already_done_is_nothing_to_do(book):
    _eod("--until", "2026-03-02", "--quiet")
    with translation.override("en"):
        printed = _eod("--until", "2026-03-02")  # returns: exit status 0
    assert printed == (
        "Nothing to do: end of day has run up to 2026-03-02 already"
        " (the business date is 2026-03-03).\n"
    )
    assert get_business_date() == dt.date(2026, 3, 3)
    assert EodRun.objects.count() == 2


def test_until_a_day_before_the_first_business_date_is_nothing_to_do(book):
    with translation.override("en"):
        assert _eod("--until", "2026-02-01").startswith("Nothing to do:")
    assert get_business_date() == BOOK_DATE
    assert not EodRun.objects.exists()


def test_nothing_to_do_is_said_in_the_active_language(book):
    with translation.override("zh-hans"):
        printed = _eod("--until", "2026-02-28")
    assert printed.startswith("无需执行：")
    assert "2026-02-28" in printed


def test_until_a_day_already_done_prints_nothing_when_quiet(book):
    assert _eod("--until", "2026-02-28", "--quiet") == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--worker", "--until", "2026-03-05"], "--worker"),
        (["--partitions", "0"], "--partitions"),
        (["--until", "someday"], "YYYY-MM-DD"),
    ],
)
def test_refused_options_change_nothing(book, args, message):
    with pytest.raises(CommandError, match=message):
        _eod(*args)
    assert get_business_date() == BOOK_DATE
    assert not EodRun.objects.exists()
