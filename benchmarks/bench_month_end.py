"""What the month-end analytics hook adds to end of day, and what the report queries cost.

Run: ``python -m benchmarks.bench_month_end --loans 100000``. Builds N loans (not timed) with
microloan.batch.tests.synthetic.build_synthetic_book in a fresh SQLite file on the last day of a
month, runs end of day for that day, and prints JSON lines: the hook's seconds and rows
against the whole run, the bytes its rows take, a rerun of the hook (idempotent), and the
seconds of each report query on the result. Keep N modest on a shared machine.
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

MONTH_END = dt.date(2026, 3, 31)


def _emit(figure: str, value, **extra) -> None:
    print(json.dumps({"figure": figure, "value": value, **extra}), flush=True)


def _configure(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MICROLOAN_VAR_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _table_bytes(table: str) -> int | None:
    """Bytes of the table and its indexes (SQLite's dbstat, when compiled in)."""
    from django.db import OperationalError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name = %s OR name IN"
                " (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s)",
                [table, table],
            )
            return int(cursor.fetchone()[0] or 0)
    except OperationalError:
        return None


def _timed(figure: str, call, **extra):
    started = time.perf_counter()
    result = call()
    _emit(figure, round(time.perf_counter() - started, 3), **extra)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    temp = tempfile.TemporaryDirectory(prefix="bench_reports_")
    _configure(Path(temp.name))

    from django.core.management import call_command

    from microloan.batch.services import BATCH_ACTOR, run_eod
    from microloan.batch.sql import ID_CEILING
    from microloan.batch.tests.synthetic import build_synthetic_book
    from microloan.kernel.actors import Actor
    from microloan.reports import services
    from microloan.reports.models import LoanMonthEnd
    from microloan.reports.month_end import HOOK_NAME, VINTAGE_HOOK_NAME, write_month_end

    call_command("migrate", verbosity=0)
    built = build_synthetic_book(loans=args.loans, business_date=MONTH_END, seed=args.seed)
    _emit("built", built["loans"], instalments=built["instalments"])

    run = run_eod(actor=BATCH_ACTOR, partitions=args.partitions)
    steps = {step["step"]: step for step in run.counts["steps"]}
    total = sum(step["seconds"] for step in steps.values())
    hook, summary = steps[HOOK_NAME], steps[VINTAGE_HOOK_NAME]
    added = hook["seconds"] + summary["seconds"]
    _emit("eod_steps_seconds", round(total, 3), loans=args.loans, business_date=str(MONTH_END))
    _emit("hook_seconds", hook["seconds"], rows=hook["rows"], partitions=hook["partitions"])
    _emit("vintage_hook_seconds", summary["seconds"], rows=summary["rows"])
    _emit("hooks_share_of_eod", round(added / total, 3))
    _emit("hooks_us_per_loan", round(added / args.loans * 1e6, 3))
    size = _table_bytes(LoanMonthEnd._meta.db_table)
    if size is not None:
        _emit("month_end_bytes", size, per_row=round(size / max(hook["rows"], 1), 1))
    from django.db import transaction

    with transaction.atomic():
        rows = _timed("hook_rerun_seconds", lambda: write_month_end(MONTH_END, 0, ID_CEILING))
    _emit("hook_rerun_rows", rows, stored=LoanMonthEnd.objects.count())

    viewer = Actor.system("bench")
    _timed("portfolio_seconds", lambda: services.portfolio(actor=viewer))
    _timed("vintages_seconds", lambda: services.vintages(actor=viewer, metric="30+"))
    _timed("roll_rates_seconds", lambda: services.roll_rates(actor=viewer))
    _timed("recovery_seconds", lambda: services.recovery(actor=viewer, month="2026-04"))
    temp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
