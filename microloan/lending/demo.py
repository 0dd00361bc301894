"""Demo data: a handful of credit lines and loans in several states, made through the services
on today's business date (so the ledger, audit trail and sub-ledger agree from the start), for
four registered customers (synthetic people from ``customers.demo.demo_people`` with a seed of
its own, registered through ``customers.services``):

- the first: a 50,000 line; a 10,000 loan disbursed and a 3,000 loan waiting for its money; a
  same-day repayment held as unapplied receipts, partly refunded.
- the second: a 5,000 loan disbursed and paid off the same day at its quote.
- the third: an 8,000 loan written off (proposed by collector, approved by risk_analyst), so
  the line is frozen; a 2,000 loan with a write-off proposal waiting.
- the fourth: a line frozen by risk, with a limit cut waiting for approval.

These are lending's showcase cases, opened by staff on the first business day; the living demo
book (``microloan.demo.book``) then adds hundreds of borrowers through origination and carries
these loans through its months of end of day too. Runs after products' demo (INSTALLED_APPS
order), which makes product WLD. Does nothing when the showcase customers exist already.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings

from microloan.accounts.interface import role_actor
from microloan.accounts.roles import ADMIN, COLLECTOR, RISK_ANALYST
from microloan.customers.demo import demo_people
from microloan.customers.services import find_by_id_number, register_customer
from microloan.kernel.actors import Actor
from microloan.kernel.services import get_business_date
from microloan.products.services import active_version

from .services import drawdowns, lines, prepayments, quotes, repayments, requests, writeoff

DEMO_PRODUCT = "WLD"
SHOWCASE_SEED = 6_2026  # not the customers demo's seed: four people of its own
YUAN = 100


def _register_showcase_customers() -> list[str] | None:
    """The four showcase customers' public ids, registered now; None if they exist. They are
    drawn as of the initial business date, so a later run draws the same people."""
    initial = dt.date.fromisoformat(settings.INITIAL_BUSINESS_DATE)
    people = demo_people(initial, 4, seed=SHOWCASE_SEED)
    if any(find_by_id_number(person["id_number"]) for person in people):
        return None
    registrar = Actor.system("demo")
    return [register_customer(actor=registrar, data=person).public_id for person in people]


def build_demo(stdout) -> None:
    today = get_business_date()
    customers = _register_showcase_customers()
    if customers is None:
        stdout.write("  demo credit lines exist; unchanged")
        return
    version = active_version(code=DEMO_PRODUCT).public_id
    operations = role_actor(ADMIN)  # opens lines and refunds; no narrower role has both yet
    collector, risk = role_actor(COLLECTOR), role_actor(RISK_ANALYST)
    bank = Actor.system("payments")  # money moves when the bank reports it (payments app)

    def open_line(customer: str, limit_yuan: int, rate: str, grade: str):
        return lines.open_credit_line(
            actor=operations,
            customer_id=customer,
            product_version_id=version,
            limit=limit_yuan * YUAN,
            daily_rate=Decimal(rate),
            grade=grade,
        )

    def draw(line, amount_yuan: int, term: int, method: str, *, disburse: bool = True):
        borrower = Actor.borrower(line.customer_id)
        loan = drawdowns.drawdown(
            actor=borrower,
            line_id=line.public_id,
            amount=amount_yuan * YUAN,
            term_months=term,
            method=method,
        )
        if disburse:
            drawdowns.disburse_loan(actor=bank, loan_id=loan.public_id, business_date=today)
        return loan

    first, second, third, fourth = customers
    li = open_line(first, 50_000, "0.0003", "C")
    li_loan = draw(li, 10_000, 10, "equal_instalment")
    draw(li, 3_000, 5, "equal_principal", disburse=False)
    repayments.repay(
        actor=bank,
        loan_id=li_loan.public_id,
        amount=500 * YUAN,
        business_date=today,
        source_ref=f"demo:repay:{li_loan.public_id}",
    )
    repayments.refund_unapplied(actor=bank, loan_id=li_loan.public_id, amount=200 * YUAN)

    wang = open_line(second, 20_000, "0.0005", "E")
    wang_loan = draw(wang, 5_000, 5, "interest_first")
    quote = quotes.payoff_quote(loan_id=wang_loan.public_id, business_date=today)
    prepayments.payoff(
        actor=bank,
        loan_id=wang_loan.public_id,
        amount=quote.total,
        business_date=today,
        source_ref=f"demo:payoff:{wang_loan.public_id}",
    )

    zhao = open_line(third, 30_000, "0.0004", "D")
    bad_loan = draw(zhao, 8_000, 10, "equal_instalment")
    pending_loan = draw(zhao, 2_000, 5, "bullet")
    proposal = writeoff.propose_writeoff(
        actor=collector, loan_id=bad_loan.public_id, reason="Demo: borrower unreachable."
    )
    requests.approve_request(actor=risk, request_id=proposal.public_id, note="Demo approval.")
    writeoff.propose_writeoff(
        actor=collector, loan_id=pending_loan.public_id, reason="Demo: waiting for a checker."
    )

    chen = open_line(fourth, 40_000, "0.00025", "B")
    lines.freeze_line(actor=risk, line_id=chen.public_id, reason="Demo: early-warning signal.")
    lines.propose_limit_change(
        actor=risk, line_id=chen.public_id, new_limit=10_000 * YUAN, reason="Demo: cut the limit."
    )
    stdout.write(
        f"  {len(customers)} credit lines, 5 loans (pending, active, paid off, written off)"
    )
