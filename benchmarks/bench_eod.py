"""One end-of-day business day on N loans, end to end and per step, against the SQL floor.

Run: ``python -m benchmarks.bench_eod --loans 100000`` (``make bench-eod N=…``). Builds N active
loans (mixed methods and terms, ~6 % overdue, every instalment row, opening ledger balances) in
a fresh SQLite file database with microloan.batch.tests.synthetic.build_synthetic_book — building is
not timed — then times ``run_eod`` for one day. ``--postgres URL`` runs the same against a
fresh PostgreSQL database of that name (dropped and created); ``--business-date`` picks the
day (a month end also runs the month-end analytics hooks). The floor is what plain SQL needs
to touch the same data once: one UPDATE writing the accrual columns of every active loan plus
one SELECT reading the columns the steps read, in one transaction. Prints one JSON line per
figure.
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

BUSINESS_DATE = dt.date(2026, 3, 1)


def _emit(figure: str, value, **extra) -> None:
    print(json.dumps({"figure": figure, "value": value, **extra}), flush=True)


def _fresh_postgres(url: str) -> None:
    """Drop and create the database named in ``url`` (the server's ``postgres`` db is used)."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')


def _configure(workdir: Path, postgres: str | None) -> None:
    """Point Django at a fresh database (a file in ``workdir``, or ``postgres``) before it
    reads its settings."""
    if postgres:
        _fresh_postgres(postgres)
    os.environ["DATABASE_URL"] = postgres or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MICROLOAN_VAR_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _floor_seconds(business_date: dt.date) -> float:
    """Plain SQL touching what EOD touches, under the same connection settings: one UPDATE
    writing the accrual columns of every active loan (committed) and one SELECT reading the
    columns the steps read. Run after the timed days, so the data it changes is not used."""
    from django.db import connection, transaction

    from microloan.batch.sql import batch_connection, checkpoint_wal
    from microloan.lending.models import Loan

    table = Loan._meta.db_table
    day = f"'{business_date.isoformat()}'"
    started = time.perf_counter()
    with batch_connection():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET period_days_accrued = period_days_accrued + 1,"
                " period_accrued = period_accrued + 1,"
                " interest_receivable = interest_receivable + 1,"
                f" last_accrual_amount = 1, last_accrual_date = {day}, version = version + 1"
                " WHERE status = 'active'"
            )
        checkpoint_wal()  # as EOD does after each step
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), SUM(principal_outstanding),"
                " SUM(period_principal * daily_rate_e8), SUM(overdue_principal * penalty_rate_e8),"
                " SUM(interest_receivable),"
                " SUM(penalty_receivable), SUM(dpd), MAX(category), MAX(period_start_date),"
                f" MAX(next_due_date), MAX(oldest_unpaid_due_date) FROM {table}"
                " WHERE status = 'active'"
            )
            cursor.fetchall()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=None, help="default: by loan count")
    parser.add_argument("--days", type=int, default=1, help="business days to run and time")
    parser.add_argument("--workdir", type=Path, help="keep the database here (default: temp)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", help="postgres://user@host:port/dbname (recreated)")
    parser.add_argument(
        "--business-date", type=dt.date.fromisoformat, default=BUSINESS_DATE, help="YYYY-MM-DD"
    )
    args = parser.parse_args(argv)
    if args.loans < 1 or args.days < 1:
        parser.error("--loans and --days must be at least 1")

    temp = None
    if args.workdir is None:
        temp = tempfile.TemporaryDirectory(prefix="bench_eod_")
        args.workdir = Path(temp.name)
    args.workdir.mkdir(parents=True, exist_ok=True)
    (args.workdir / "bench.sqlite3").unlink(missing_ok=True)
    _configure(args.workdir, args.postgres)

    from django.core.management import call_command

    from microloan.batch.services import BATCH_ACTOR, run_eod
    from microloan.batch.tests.synthetic import build_synthetic_book

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    built = build_synthetic_book(loans=args.loans, business_date=args.business_date, seed=args.seed)
    _emit("build_seconds", round(time.perf_counter() - started, 2), **built)

    best = float("inf")
    for _day in range(args.days):
        started, cpu_started = time.perf_counter(), time.process_time()
        run = run_eod(actor=BATCH_ACTOR, partitions=args.partitions)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        best = min(best, seconds)
        date = run.business_date.isoformat()
        for step in run.counts["steps"]:
            _emit(
                "step_seconds",
                step["seconds"],
                step=step["step"],
                rows=step["rows"],
                partitions=step["partitions"],
                business_date=date,
                loans=args.loans,
            )
        _emit(
            "eod_seconds",
            round(seconds, 3),
            business_date=date,
            loans=args.loans,
            partitions=len(run.partitions),
        )
        # CPU of this process (SQLite runs in it): steadier than wall time on a busy machine.
        _emit("eod_cpu_seconds", round(cpu, 3), business_date=date, loans=args.loans)
        _emit(
            "eod_us_per_loan",
            round(seconds / args.loans * 1e6, 3),
            business_date=date,
            loans=args.loans,
        )

    floor = _floor_seconds(run.business_date)
    _emit("floor_seconds", round(floor, 3), loans=args.loans)
    # The best day of --days against the floor (one day: that day).
    _emit("eod_best_seconds", round(best, 3), loans=args.loans, days=args.days)
    _emit("eod_to_floor_ratio", round(best / floor, 2), loans=args.loans)
    if temp is not None:
        temp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
