"""Demo data: a handful of credit lines and loans in several states, made through the services
on today's business date (so the ledger, audit trail and sub-ledger agree from the start).

- 李 (cust_demo_li): a 50,000 line; a 10,000 loan disbursed and a 3,000 loan waiting for its
  money; a same-day repayment held as unapplied receipts, partly refunded.
- 王 (cust_demo_wang): a 5,000 loan disbursed and paid off the same day at its quote.
- 赵 (cust_demo_zhao): an 8,000 loan written off (proposed by collector, approved by
  risk_analyst), so the line is frozen; a 2,000 loan with a write-off proposal waiting.
- 陈 (cust_demo_chen): a line frozen by risk, with a limit cut waiting for approval.

Runs after products' demo (INSTALLED_APPS order), which makes product WLD. Does nothing when
the demo lines exist already.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Group

from microloan.accounts.models import StaffUser
from microloan.accounts.roles import ADMIN, COLLECTOR, RISK_ANALYST, ROLE_DEPARTMENTS, sync_roles
from microloan.kernel.actors import Actor
from microloan.kernel.services import get_business_date
from microloan.products.services import active_version

from .models import CreditLine
from .services import drawdowns, lines, prepayments, quotes, repayments, requests, writeoff

DEMO_PRODUCT = "WLD"
CUSTOMERS = ("cust_demo_li", "cust_demo_wang", "cust_demo_zhao", "cust_demo_chen")
YUAN = 100


def _role_actor(role: str) -> Actor:
    """The demo login of ``role`` as an actor (made without a password if missing)."""
    user = StaffUser.objects.filter(username=role).first()
    if user is None:
        user = StaffUser(username=role, department=ROLE_DEPARTMENTS[role])
        user.set_unusable_password()
        user.save()
    if not user.groups.filter(name=role).exists():
        if not Group.objects.filter(name=role).exists():
            sync_roles()
        user.groups.add(Group.objects.get(name=role))
    return Actor.from_user(StaffUser.objects.get(pk=user.pk))


def build_demo(stdout) -> None:
    if CreditLine.objects.filter(customer_id__in=CUSTOMERS).exists():
        stdout.write("  demo credit lines exist; unchanged")
        return
    version = active_version(code=DEMO_PRODUCT).public_id
    operations = _role_actor(ADMIN)  # opens lines and disburses; no narrower role has both yet
    collector, risk = _role_actor(COLLECTOR), _role_actor(RISK_ANALYST)
    today = get_business_date()

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
            drawdowns.disburse_loan(actor=operations, loan_id=loan.public_id, business_date=today)
        return loan

    li = open_line("cust_demo_li", 50_000, "0.0003", "C")
    li_loan = draw(li, 10_000, 10, "equal_instalment")
    draw(li, 3_000, 5, "equal_principal", disburse=False)
    repayments.repay(
        actor=Actor.borrower(li.customer_id),
        loan_id=li_loan.public_id,
        amount=500 * YUAN,
        business_date=today,
        source_ref=f"demo:repay:{li_loan.public_id}",
    )
    repayments.refund_unapplied(actor=operations, loan_id=li_loan.public_id, amount=200 * YUAN)

    wang = open_line("cust_demo_wang", 20_000, "0.0005", "E")
    wang_loan = draw(wang, 5_000, 5, "interest_first")
    quote = quotes.payoff_quote(loan_id=wang_loan.public_id, business_date=today)
    prepayments.payoff(
        actor=Actor.borrower(wang.customer_id),
        loan_id=wang_loan.public_id,
        amount=quote.total,
        business_date=today,
        source_ref=f"demo:payoff:{wang_loan.public_id}",
    )

    zhao = open_line("cust_demo_zhao", 30_000, "0.0004", "D")
    bad_loan = draw(zhao, 8_000, 10, "equal_instalment")
    pending_loan = draw(zhao, 2_000, 5, "bullet")
    proposal = writeoff.propose_writeoff(
        actor=collector, loan_id=bad_loan.public_id, reason="Demo: borrower unreachable."
    )
    requests.approve_request(actor=risk, request_id=proposal.public_id, note="Demo approval.")
    writeoff.propose_writeoff(
        actor=collector, loan_id=pending_loan.public_id, reason="Demo: waiting for a checker."
    )

    chen = open_line("cust_demo_chen", 40_000, "0.00025", "B")
    lines.freeze_line(actor=risk, line_id=chen.public_id, reason="Demo: early-warning signal.")
    lines.propose_limit_change(
        actor=risk, line_id=chen.public_id, new_limit=10_000 * YUAN, reason="Demo: cut the limit."
    )
    stdout.write(
        f"  {len(CUSTOMERS)} credit lines, 5 loans (pending, active, paid off, written off)"
    )
