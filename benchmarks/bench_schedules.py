"""Schedules per second: scalar ``generate_schedule`` loop vs ``generate_schedules_batch``.

Run: ``python -m benchmarks.bench_schedules [--loans 20000] [--repeat 3]``. Prints one JSON line
per figure. Pure computation: no database, no Django settings needed. The batch result is
checked against the scalar one, loan by loan, before any figure is printed.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from microloan.batch.tests.synthetic_schedules import generate_schedules_batch
from microloan.loanmath.schedules import generate_schedule

TERM_MONTHS = 12
METHOD = "equal_instalment"


def make_loans(count: int, seed: int = 20250315) -> dict:
    """Drawdowns of 500–40,000 yuan at 0.02–0.05 %/day over a year of start dates."""
    generator = random.Random(seed)
    rates = [Decimal(f"0.000{n:02d}") for n in range(20, 51, 5)]
    first_day = date(2025, 1, 1)
    return {
        "principals": [generator.randrange(50_000, 4_000_001) for _ in range(count)],
        "daily_rates": [generator.choice(rates) for _ in range(count)],
        "start_dates": [first_day + timedelta(days=generator.randrange(365)) for _ in range(count)],
    }


def run_scalar(loans: dict) -> list:
    return [
        generate_schedule(
            principal=principal,
            daily_rate=rate,
            method=METHOD,
            term_months=TERM_MONTHS,
            start_date=start,
        )
        for principal, rate, start in zip(
            loans["principals"], loans["daily_rates"], loans["start_dates"], strict=True
        )
    ]


def run_batch(loans: dict):
    return generate_schedules_batch(
        principals=np.asarray(loans["principals"], dtype=np.int64),
        daily_rates=loans["daily_rates"],
        terms=TERM_MONTHS,
        method=METHOD,
        start_dates=loans["start_dates"],
    )


def best_time(function, loans: dict, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(loans)
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    arguments = parser.parse_args()
    loans = make_loans(arguments.loans)
    scalar_seconds, scalar = best_time(run_scalar, loans, arguments.repeat)
    batch_seconds, batch = best_time(run_batch, loans, arguments.repeat)
    mismatches = sum(batch.instalments(i) != rows for i, rows in enumerate(scalar))
    if mismatches:
        raise SystemExit(f"batch differs from scalar for {mismatches} loans")
    for path, seconds in (("scalar", scalar_seconds), ("batch", batch_seconds)):
        figure = {
            "bench": "schedules",
            "path": path,
            "method": METHOD,
            "instalments": TERM_MONTHS,
            "loans": arguments.loans,
            "seconds": round(seconds, 4),
            "per_second": round(arguments.loans / seconds),
        }
        print(json.dumps(figure))


if __name__ == "__main__":
    main()
