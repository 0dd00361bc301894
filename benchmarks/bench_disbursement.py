"""Drawdowns from signed contract to active loan through the simulated bank: loans per second.

Run: ``python -m benchmarks.bench_disbursement --loans 10000``. In a fresh SQLite file database
it registers customers (100 loans each, within the per-borrower credit cap), opens their lines
and draws N loans pending disbursement through lending's services — the set-up, timed apart
as ``drawdown_seconds`` — then times the disbursement: for each loan one transaction that
publishes "contract.signed" (what the contracts app does when the borrower signs), payments
creating the order in it, and after commit the send to the in-process simulated bank, its
signed callback, and lending's ``disburse_loan`` posting the ledger.

``--mode inline`` sends each order as its transaction commits (one loan end to end at a time);
``--mode sweep`` publishes every signature first and then lets one ``process_orders()`` pass send
them all (what a worker does). Prints one JSON line per figure, like bench_eod.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

BUSINESS_DATE = dt.date(2026, 3, 2)
LOANS_PER_CUSTOMER = 100
LOAN_AMOUNT = 60_000  # 600.00 CNY: 100 loans stay under the 200,000 CNY borrower cap


def _emit(figure: str, value, **extra) -> None:
    print(json.dumps({"figure": figure, "value": value, **extra}), flush=True)


def _configure(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MICROLOAN_VAR_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _product_version():
    from dataclasses import replace

    from microloan.accounts.testing import make_staff
    from microloan.products.domain import default_weilidai_terms
    from microloan.products.models import Product, ProductVersion

    product = Product.objects.create(code="WLD", name_zh="微粒贷", name_en="Weilidai")
    version = ProductVersion(product=product, version=1, maker=make_staff(), status="active")
    version.set_terms(replace(default_weilidai_terms()))
    version.save()
    return version


def _draw_loans(count: int) -> list:
    """``count`` loans pending disbursement, on lines of registered customers."""
    from decimal import Decimal

    from microloan.customers.testing import make_customer
    from microloan.kernel.actors import Actor
    from microloan.lending.services import drawdowns, lines

    version = _product_version()
    staff = Actor.system("bench")
    loans = []
    customers = -(-count // LOANS_PER_CUSTOMER)
    for number in range(customers):
        customer = make_customer()
        line = lines.open_credit_line(
            actor=staff,
            customer_id=customer.public_id,
            product_version_id=version.public_id,
            limit=LOANS_PER_CUSTOMER * LOAN_AMOUNT,
            daily_rate=Decimal("0.0004"),
            grade="",
        )
        borrower = Actor.borrower(customer.public_id)
        for _ in range(min(LOANS_PER_CUSTOMER, count - number * LOANS_PER_CUSTOMER)):
            loans.append(
                drawdowns.drawdown(
                    actor=borrower,
                    line_id=line.public_id,
                    amount=LOAN_AMOUNT,
                    term_months=5,
                    method="equal_instalment",
                    business_date=BUSINESS_DATE,
                )
            )
    return loans


def _sign(loan) -> None:
    from django.db import transaction

    from microloan.kernel import events

    with transaction.atomic():
        events.publish(
            "contract.signed",
            customer_id=loan.customer_id,
            contract_id=f"ctr_bench_{loan.pk}",
            kind="loan",
            line_id=loan.line.public_id,
            loan_id=loan.public_id,
            sha256="0" * 64,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=10_000)
    parser.add_argument("--mode", choices=("inline", "sweep"), default="inline")
    parser.add_argument("--workdir", type=Path, help="keep the database here (default: temp)")
    args = parser.parse_args(argv)
    if args.loans < 1:
        parser.error("--loans must be at least 1")
    temp = None
    if args.workdir is None:
        temp = tempfile.TemporaryDirectory(prefix="bench_disbursement_")
        args.workdir = Path(temp.name)
    args.workdir.mkdir(parents=True, exist_ok=True)
    (args.workdir / "bench.sqlite3").unlink(missing_ok=True)
    _configure(args.workdir)

    from django.conf import settings
    from django.core.management import call_command

    from microloan.kernel.services import set_initial_business_date
    from microloan.ledger.services import trial_balance
    from microloan.lending.models import Loan
    from microloan.payments.models import PaymentOrder
    from microloan.payments.services.sweep import process_orders

    settings.PAYMENTS_DISPATCH = "inline" if args.mode == "inline" else "sweep"
    settings.PAYMENTS_SIMULATOR_CALLBACKS = "immediate"
    settings.PAYMENTS_SIMULATOR_URL = ""
    call_command("migrate", verbosity=0)
    set_initial_business_date(BUSINESS_DATE)

    started = time.perf_counter()
    loans = _draw_loans(args.loans)
    _emit("drawdown_seconds", round(time.perf_counter() - started, 2), loans=len(loans))

    started, cpu_started = time.perf_counter(), time.process_time()
    for loan in loans:
        _sign(loan)
    if args.mode == "sweep":
        while process_orders(limit=5000).sent:
            pass
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    active = Loan.objects.filter(status=Loan.Status.ACTIVE).count()
    succeeded = PaymentOrder.objects.filter(status=PaymentOrder.Status.SUCCEEDED).count()
    _emit("disbursement_seconds", round(seconds, 2), cpu_seconds=round(cpu, 2), mode=args.mode)
    _emit(
        "loans_per_second",
        round(len(loans) / seconds, 1),
        loans=len(loans),
        active=active,
        orders_succeeded=succeeded,
        mode=args.mode,
        ledger_balanced=trial_balance().balanced,
    )
    if temp is not None:
        temp.cleanup()
    return 0 if active == succeeded == len(loans) else 1


if __name__ == "__main__":
    raise SystemExit(main())
