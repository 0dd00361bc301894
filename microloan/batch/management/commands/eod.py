"""``microloan eod``: run end of day.

    microloan eod                         # one business day (the current one), then D + 1
    microloan eod --until 2026-03-31      # every day up to and including that date (progress bar)
    microloan eod --partitions 8          # id-range partitions for a run that starts now
    microloan eod --worker [--idle 5]     # help runs other processes started (any machine)

A run killed at any point resumes where it stopped when the command is run again.
"""

from __future__ import annotations

import datetime as dt
from time import perf_counter

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from microloan.batch.models import EodRun
from microloan.batch.services import BATCH_ACTOR, run_eod, run_eod_until, work_on_eod
from microloan.kernel.errors import DomainError


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--until must be a date YYYY-MM-DD, got {text!r}") from None


class Command(BaseCommand):
    help = "Run end of day for the current business date (or up to --until) and advance it."

    def add_arguments(self, parser):
        parser.add_argument("--until", type=_date, help="run every day up to this date (inclusive)")
        parser.add_argument("--partitions", type=int, help="id-range partitions of a new run")
        parser.add_argument(
            "--worker", action="store_true", help="join runs that other processes started"
        )
        parser.add_argument(
            "--idle",
            type=float,
            default=5.0,
            help="--worker: seconds to wait for a run before exiting (default 5)",
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing but errors")

    def handle(
        self, *args, until=None, partitions=None, worker=False, idle=5.0, quiet=False, **options
    ):
        if partitions is not None and partitions < 1:
            raise CommandError("--partitions must be at least 1")
        if worker and (until or partitions):
            raise CommandError("--worker joins existing runs; it takes no --until or --partitions")
        self.quiet = quiet
        started = perf_counter()
        try:
            if worker:
                runs = work_on_eod(actor=BATCH_ACTOR, idle_seconds=max(idle, 0.0))
            elif until:
                runs = self._run_until(until, partitions)
            else:
                runs = [run_eod(actor=BATCH_ACTOR, partitions=partitions)]
        except DomainError as refusal:
            raise CommandError(f"{refusal.code}: {refusal.message}") from refusal
        self._report(runs, perf_counter() - started)

    def _run_until(self, until: dt.date, partitions: int | None) -> list[EodRun]:
        from microloan.kernel.services import get_business_date

        today = get_business_date()
        if until < today:  # every day up to `until` has run: a rerun is not an error
            if not self.quiet:
                self.stdout.write(
                    _(
                        "Nothing to do: end of day has run up to %(until)s already (the"
                        " business date is %(today)s)."
                    )
                    % {"until": until.isoformat(), "today": today.isoformat()}
                )
            self.quiet = True  # the report has nothing to add
            return []
        days = (until - today).days + 1
        with tqdm(total=days, unit="day", disable=self.quiet or days == 0) as bar:

            def advanced(run: EodRun) -> None:
                bar.set_postfix_str(run.business_date.isoformat())
                bar.update(1)

            return run_eod_until(
                actor=BATCH_ACTOR, until=until, partitions=partitions, on_run=advanced
            )

    def _report(self, runs: list[EodRun], wall_seconds: float) -> None:
        if self.quiet:
            return
        if not runs:
            self.stdout.write(_("No end-of-day run to do."))
            return
        steps: dict[str, dict] = {}
        for run in runs:
            for step in run.counts.get("steps", []):
                total = steps.setdefault(step["step"], {"rows": 0, "seconds": 0.0, "partitions": 0})
                for key in total:
                    total[key] += step[key]
        first, last = runs[0].business_date, runs[-1].business_date
        span = first.isoformat() if first == last else f"{first} … {last} ({len(runs)} days)"
        self.stdout.write(f"End of day {span}: {runs[-1].status}, {wall_seconds:.2f} s wall")
        self.stdout.write(f"  {'step':<28}{'partitions':>11}{'rows':>12}{'seconds':>10}")
        for name, total in steps.items():
            self.stdout.write(
                f"  {name:<28}{total['partitions']:>11}{total['rows']:>12}{total['seconds']:>10.3f}"
            )
