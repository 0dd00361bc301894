"""What the post-loan hook adds to end of day, on a synthetic book.

Run: ``python -m benchmarks.bench_postloan --loans 100000``. Builds N active loans with
microloan.batch.tests.synthetic.build_synthetic_book as of the first business day of a month (not
timed), adds the loan transactions lending would have written (a disbursement per loan, a
repayment per paid instalment) so the history queries read real rows, then runs end of day on
that day (every open line checked) and on the next (an ordinary day) and prints the
``risk.postloan_checks`` step's seconds and rows for each as JSON lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

CHECK_DAY = dt.date(2026, 12, 1)  # a Tuesday: the first business day of December


def _emit(figure: str, value, **extra) -> None:
    print(json.dumps({"figure": figure, "value": value, **extra}), flush=True)


def _add_transactions() -> int:
    from microloan.lending.interface import add_bench_transactions

    return add_bench_transactions()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=None)
    args = parser.parse_args(argv)
    temp = tempfile.TemporaryDirectory(prefix="bench_postloan_")
    workdir = Path(temp.name)
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MICROLOAN_VAR_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from microloan.batch.services import BATCH_ACTOR, run_eod
    from microloan.batch.tests.synthetic import build_synthetic_book
    from microloan.risk.postloan.hooks import HOOK_NAME, register

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    built = build_synthetic_book(loans=args.loans, business_date=CHECK_DAY)
    transactions = _add_transactions()
    _emit("build_seconds", round(time.perf_counter() - started, 2), **built, txns=transactions)
    register()
    for label in ("check_day", "ordinary_day"):
        started = time.perf_counter()
        run = run_eod(actor=BATCH_ACTOR, partitions=args.partitions)
        total = time.perf_counter() - started
        for step in run.counts["steps"]:
            if step["step"] == HOOK_NAME:
                _emit(
                    "postloan_hook_seconds",
                    step["seconds"],
                    day=label,
                    business_date=run.business_date.isoformat(),
                    rows=step["rows"],
                    partitions=step["partitions"],
                    loans=args.loans,
                )
        _emit("eod_seconds", round(total, 3), day=label, loans=args.loans)
    temp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
