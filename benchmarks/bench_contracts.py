"""Contract PDFs per second: rendered, and rendered + sealed (PAdES), and sealed PDFs verified.

Run: ``python -m benchmarks.bench_contracts [--contracts 200]``. No database: each contract is
a 20-month loan (a different amount each time, so no two PDFs are alike) rendered from the
default Chinese loan template with reportlab, then sealed with pyHanko using development keys
created in a temporary directory. Prints one JSON line per figure, like bench_eod; every sealed
PDF is verified once before the figures are printed, so a broken seal cannot look fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

TERM_MONTHS = 20
DAILY_RATE = "0.0005"


def _emit(figure: str, value, **extra) -> None:
    print(json.dumps({"figure": figure, "value": value, **extra}), flush=True)


def _configure(workdir: Path) -> None:
    os.environ["MICROLOAN_VAR_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'unused.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings")
    import django

    django.setup()


def _terms(amount: int) -> dict:
    from decimal import Decimal

    from microloan.loanmath.apr import annual_percentage_rate
    from microloan.loanmath.schedules import generate_schedule

    start = dt.date(2026, 3, 2)
    rows = generate_schedule(
        principal=amount,
        daily_rate=Decimal(DAILY_RATE),
        method="equal_instalment",
        term_months=TERM_MONTHS,
        start_date=start,
    )
    apr = annual_percentage_rate(
        principal=amount,
        disbursement_date=start,
        cashflows=[(row.due_date, row.principal + row.interest) for row in rows],
    )
    return {
        "kind": "loan",
        "line_id": "line_bench",
        "loan_id": "loan_bench",
        "amount": amount,
        "daily_rate": DAILY_RATE,
        "apr": str(apr),
        "day_count": 360,
        "term_months": TERM_MONTHS,
        "method": "equal_instalment",
        "start_date": start.isoformat(),
        "penalty_multiplier": "1.5",
        "grace_days": 1,
        "schedule": [
            {
                "number": row.number,
                "due_date": row.due_date.isoformat(),
                "principal": row.principal,
                "interest": row.interest,
                "balance_after": row.balance_after,
            }
            for row in rows
        ],
        "consents": [
            {"purpose": "personal_information", "text_version": "2026.1", "granted_at": "x"}
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=200)
    arguments = parser.parse_args()
    count = arguments.contracts
    with tempfile.TemporaryDirectory(prefix="bench-contracts-") as workdir:
        _configure(Path(workdir))
        from microloan.contracts.default_texts import DEFAULT_TEMPLATES
        from microloan.contracts.documents import Party, build_document, to_pdf
        from microloan.contracts.signing import init_signing_keys, seal_pdf, verify_pdf

        init_signing_keys()
        title, body = DEFAULT_TEMPLATES[("loan", "zh-hans")]
        party = Party("微贷示范银行股份有限公司", "张三丰", "**************002X", "cus_bench")
        terms = [_terms(50_000 + 1_999 * i) for i in range(count)]

        def render(i: int) -> bytes:
            document = build_document(
                title=title,
                body=body,
                language="zh-hans",
                terms=terms[i],
                party=party,
                contract_id=f"ctr_bench{i:06d}",
            )
            return to_pdf(document)

        seal_pdf(render(0), reason="warm-up")  # loads keys and fonts outside the timing
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(count):
            render(i)
        render_seconds = time.perf_counter() - started
        render_cpu = time.process_time() - cpu

        started, cpu = time.perf_counter(), time.process_time()
        sealed = [seal_pdf(render(i), reason=f"bench {i}") for i in range(count)]
        sealed_seconds = time.perf_counter() - started
        sealed_cpu = time.process_time() - cpu

        started, cpu = time.perf_counter(), time.process_time()
        failures = sum(not verify_pdf(pdf).ok for pdf in sealed)
        verify_seconds = time.perf_counter() - started
        verify_cpu = time.process_time() - cpu
        if failures:
            raise SystemExit(f"{failures} sealed PDFs failed verification")

        sizes = sorted(len(pdf) for pdf in sealed)
        # Wall-clock rates, and per CPU second (the machine may be shared: the CPU figure is
        # what one core does alone).
        for figure, seconds, cpu_seconds in (
            ("contracts_rendered_per_second", render_seconds, render_cpu),
            ("contracts_rendered_and_sealed_per_second", sealed_seconds, sealed_cpu),
            ("sealed_contracts_verified_per_second", verify_seconds, verify_cpu),
        ):
            _emit(
                figure,
                round(count / seconds, 1),
                per_cpu_second=round(count / cpu_seconds, 1),
                n=count,
            )
        _emit("sealed_pdf_median_bytes", sizes[len(sizes) // 2], n=count)


if __name__ == "__main__":
    main()
