"""What the collections hooks add to end of day, statement by statement, on a benchmark book.

Run after ``python -m benchmarks.bench_eod --loans 100000 --workdir DIR`` (which builds the
book, runs one day — opening the first cases — and keeps the database)::

    python -m benchmarks.bench_collections --workdir DIR --days 2 --collectors 20

It adds collectors (one in five senior) and pending promises due today, then runs the real end
of day for ``--days`` more days and prints, per day, one JSON line per part of
``collections.cases`` and for ``collections.assign``, with the rows each touched. Not for
production data.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from functools import wraps
from pathlib import Path


def _emit(figure: str, value, **extra) -> None:
    print(json.dumps({"figure": figure, "value": value, **extra}), flush=True)


def _timed(module, name: str, timings: dict) -> None:
    original = getattr(module, name)

    @wraps(original)
    def run(*args, **kwargs):
        started = time.perf_counter()
        result = original(*args, **kwargs)
        timings.setdefault(name, [0.0, 0])
        timings[name][0] += time.perf_counter() - started
        # close_cases returns the cases it closed; the others a count
        timings[name][1] += len(result) if isinstance(result, list) else int(result or 0)
        return result

    setattr(module, name, run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--collectors", type=int, default=20)
    parser.add_argument("--promises", type=int, default=5000, help="pending promises to judge")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = f"sqlite:///{args.workdir / 'bench.sqlite3'}"
    os.environ["MICROLOAN_VAR_DIR"] = str(args.workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from microloan.accounts.interface import ensure_staff_in_role
    from microloan.batch.services import BATCH_ACTOR, run_eod
    from microloan.collections import eod
    from microloan.collections.models import CollectionCase, CollectorProfile, PromiseToPay
    from microloan.kernel.ids import new_public_id
    from microloan.kernel.services import get_business_date

    staff = []
    for number in range(args.collectors):
        user, created = ensure_staff_in_role(f"bench_collector_{number}", "collector")
        if created:
            CollectorProfile.objects.create(user_id=user.pk, senior=number % 5 == 0)
        staff.append(user)

    today = get_business_date()
    maker = staff[0]
    waiting = CollectionCase.objects.filter(status="open").exclude(promises__status="pending")
    PromiseToPay.objects.bulk_create(
        PromiseToPay(
            public_id=new_public_id("cptp"),
            case_id=case_pk,
            loan_id=loan_pk,
            amount=10_000,
            made_on=today,
            due_date=today,
            collector_id=maker.pk,
            bucket=bucket,
        )
        for case_pk, loan_pk, bucket in waiting.values_list("id", "loan_id", "bucket")[
            : args.promises
        ]
    )
    timings: dict = {}
    for name in ("close_cases", "move_buckets", "open_cases", "judge_promises"):
        _timed(eod, name, timings)
    for _day in range(args.days):
        timings.clear()
        run = run_eod(actor=BATCH_ACTOR)
        date = run.business_date.isoformat()
        for step in run.counts["steps"]:
            if step["step"].startswith("collections."):
                _emit(
                    "step_seconds",
                    step["seconds"],
                    step=step["step"],
                    rows=step["rows"],
                    business_date=date,
                )
        for name, (seconds, rows) in timings.items():
            _emit("part_seconds", round(seconds, 3), part=name, rows=rows, business_date=date)
        _emit(
            "open_cases",
            CollectionCase.objects.filter(status="open").count(),
            unassigned=CollectionCase.objects.filter(status="open", collector=None).count(),
            business_date=date,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
