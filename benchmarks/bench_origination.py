"""Credit-line applications end to end through the service layer, and over HTTP.

Run: ``python -m benchmarks.bench_origination [--applications 10000] [--http 400]
[--clients 8]`` (``make bench-origination``). Builds N registered customers with their
consents in a fresh SQLite file database (not timed), then times
``origination.services.apply_for_credit`` for each: input validation, admission, identity
(simulated provider), fraud (velocity queries), scorecard, decision, persistence, the credit
line for approvals, audit, and the other apps' ``application.decided`` subscribers
(notifications, contracts). The mix comes out at about 55 % auto-approved, 10 % auto-rejected
(income below the floor) and 35 % manual review (an unsure face match, or grade D).

HTTP mode: a dev server (``runserver``, threaded) on the same database, ``--clients``
concurrent clients each posting ``POST /api/v1/origination/me/applications`` for their own
customers; prints p50/p99 latency and requests/s. Prints one JSON line per figure; nothing here
asserts a time (figures vary with the machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BUSINESS_DATE = dt.date(2026, 3, 2)
PRODUCT = "WLD"


def _emit(figure: str, value, **extra) -> None:
    print(
        json.dumps({"bench": "origination", "figure": figure, "value": value, **extra}), flush=True
    )


def _configure(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MICROLOAN_VAR_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _setup_product():
    from microloan.accounts.testing import make_staff
    from microloan.kernel.services import set_initial_business_date
    from microloan.origination.services import active_policy
    from microloan.products.domain import default_weilidai_terms
    from microloan.products.models import Product, ProductVersion
    from microloan.risk.services import active_ruleset, active_scorecard

    set_initial_business_date(BUSINESS_DATE)
    product = Product.objects.create(code=PRODUCT, name_zh="微粒贷", name_en="Weilidai")
    version = ProductVersion(
        product=product, version=1, maker=make_staff(username="bench_pm"), status="active"
    )
    version.set_terms(default_weilidai_terms())
    version.save()
    active_policy(), active_ruleset(), active_scorecard()


def build_customers(count: int, seed: int) -> list[dict]:
    """``count`` customers (bulk insert, encrypted fields and blind indexes as a save does)
    with the consents an application needs; returns one application body per customer."""
    from django.db import transaction
    from django.utils import timezone

    from microloan.customers.models import Consent, Customer
    from microloan.customers.synthetic import make_card_number, make_id_number
    from microloan.kernel.ids import new_public_id

    rng = random.Random(seed)
    bodies, customers, consents = [], [], []
    now = timezone.now()
    for n in range(count):
        # Distinct (birth date, sequence) pairs; sequences 998/999 would make the simulated
        # identity provider fail on purpose.
        birth = dt.date(1975, 1, 1) + dt.timedelta(days=n % 9125)
        id_number = make_id_number(birth_date=birth, sequence=1 + n // 9125)
        customer = Customer(
            public_id=new_public_id("cus"),
            name="张三丰",
            id_number=id_number,
            phone=f"139{n:08d}",
            bank_card_number=make_card_number(prefix="622202", length=19, serial=n + 1),
            bank_name="中国工商银行",
            address="北京市朝阳区建国路88号1单元101室",
            employer="北京某某科技有限公司",
            years_employed=rng.choice([1, 3, 5, 8]),
            monthly_income=rng.choice([800_000, 1_200_000, 2_000_000]),
            education=rng.choice(["associate", "bachelor", "master"]),
            marital_status=rng.choice(["single", "married"]),
            device_id=f"dev-{n}",
            channel="app",
            birth_date=birth,
            gender="male",
            id_expiry=dt.date(2035, 1, 1),
        )
        customers.append(customer)
        roll = rng.random()
        body = {
            "product_code": PRODUCT,
            "requested_amount": 2_000_000,
            "purpose": "consumption",
            "name": customer.name,
            "id_number": id_number,
            "phone": customer.phone,
            "bank_card_number": customer.bank_card_number,
            "device_id": customer.device_id,
            "face_token": "review-bench" if roll < 0.15 else "selfie",
        }
        if 0.15 <= roll < 0.25:
            body["monthly_income"] = 200_000
        bodies.append(body)
    with transaction.atomic():
        Customer.objects.bulk_create(customers, batch_size=500)
        for customer in customers:
            for purpose in ("personal_information", "credit_report_query"):
                consents.append(
                    Consent(
                        public_id=new_public_id("cns"),
                        customer=customer,
                        purpose=purpose,
                        text_version="2026.1",
                        granted_at=now,
                        channel="app",
                    )
                )
        Consent.objects.bulk_create(consents, batch_size=1000)
    for customer, body in zip(customers, bodies, strict=True):
        body["customer_id"] = customer.public_id
    return bodies


def run_service(bodies: list[dict], *, sql_debug: bool = False) -> dict:
    """Every body through ``apply_for_credit``, timed one by one; SQL statements counted.

    By default the service runs as in production, with ``DEBUG`` off; ``sql_debug`` keeps
    ``DEBUG`` as set (on in development), where Django's debug cursor formats and keeps every
    statement (about 1 ms per application more)."""
    from django.conf import settings
    from django.db import connection

    latencies, states, queries = [], {}, [0]

    def count_queries(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    debug = settings.DEBUG
    settings.DEBUG = debug and sql_debug
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        with connection.execute_wrapper(count_queries):
            _apply_all(bodies, latencies, states)
    finally:
        settings.DEBUG = debug
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "seconds": seconds,
        "cpu": cpu,
        "latencies": latencies,
        "states": states,
        "queries": queries[0],
    }


def _apply_all(bodies: list[dict], latencies: list[float], states: dict) -> None:
    from microloan.kernel.actors import Actor
    from microloan.origination.services import apply_for_credit

    for n, body in enumerate(bodies):
        customer_id = body.pop("customer_id")
        t0 = time.perf_counter()
        application = apply_for_credit(
            actor=Actor.borrower(customer_id),
            data=body,
            ip=f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
        )
        latencies.append(time.perf_counter() - t0)
        states[application.state] = states.get(application.state, 0) + 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/health")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the dev server did not start")


def api_body(body: dict) -> dict:
    """The service's body (money in fen) as the API takes it: money as yuan strings."""
    from microloan.kernel.money import to_yuan_str

    money = ("requested_amount", "monthly_income")
    return {key: to_yuan_str(value) if key in money else value for key, value in body.items()}


def run_http(bodies: list[dict], clients: int) -> dict:
    """``clients`` threads, each posting its share of ``bodies`` to a runserver process."""
    from microloan.accounts.services import issue_borrower_token

    tokens = [issue_borrower_token(borrower_id=body.pop("customer_id")) for body in bodies]
    port = _free_port()
    from django.conf import settings

    # DEBUG off, as in production (no debug cursor); then the secrets must come from the
    # environment: the ones this process made for the work directory.
    secrets = {
        name: str(getattr(settings, name))
        for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "PAYMENTS_CALLBACK_SECRET")
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "microloan.cli", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env={**os.environ, **secrets, "DEBUG": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for n in range(index, len(bodies), clients):
            payload = json.dumps(api_body(bodies[n]))
            headers = {
                "Authorization": f"Bearer {tokens[n]}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{n}",
            }
            t0 = time.perf_counter()
            connection.request("POST", "/api/v1/origination/me/applications", payload, headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1

    try:
        _wait_for(port)
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"seconds": seconds, "latencies": latencies, "statuses": statuses}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--http", type=int, default=400, help="HTTP requests (0: skip)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workdir", type=Path, help="keep the database here (default: temp)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--sql-debug",
        action="store_true",
        help="time the service calls with DEBUG as set (on in development: debug cursor)",
    )
    args = parser.parse_args(argv)
    if args.applications < 1 or args.http < 0 or args.clients < 1:
        parser.error("--applications and --clients must be at least 1, --http at least 0")

    temp = None
    if args.workdir is None:
        temp = tempfile.TemporaryDirectory(prefix="bench_origination_")
        args.workdir = Path(temp.name)
    args.workdir.mkdir(parents=True, exist_ok=True)
    (args.workdir / "bench.sqlite3").unlink(missing_ok=True)
    _configure(args.workdir)

    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    _setup_product()
    bodies = build_customers(args.applications + args.http, args.seed)
    _emit("build_seconds", round(time.perf_counter() - started, 2), customers=len(bodies))

    result = run_service(bodies[: args.applications], sql_debug=args.sql_debug)
    n = args.applications
    _emit("service_sql_debug_cursor", args.sql_debug)
    _emit("service_applications_per_second", round(n / result["seconds"], 1), applications=n)
    _emit("service_cpu_ms_per_application", round(result["cpu"] / n * 1e3, 3), applications=n)
    _emit("service_p50_ms", round(statistics.median(result["latencies"]) * 1e3, 3))
    _emit("service_p99_ms", round(_percentile(result["latencies"], 0.99) * 1e3, 3))
    _emit("service_queries_per_application", round(result["queries"] / n, 1))
    _emit("service_outcomes", {str(k): v for k, v in result["states"].items()})

    if args.http:
        from django.db import connections

        connections.close_all()  # the server process writes the same file
        http_result = run_http(bodies[args.applications :], args.clients)
        count = len(http_result["latencies"])
        _emit("http_requests_per_second", round(count / http_result["seconds"], 1), requests=count)
        _emit("http_p50_ms", round(statistics.median(http_result["latencies"]) * 1e3, 2))
        _emit(
            "http_p99_ms",
            round(_percentile(http_result["latencies"], 0.99) * 1e3, 2),
            clients=args.clients,
        )
        _emit("http_statuses", {str(k): v for k, v in http_result["statuses"].items()})
    if temp is not None:
        temp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
