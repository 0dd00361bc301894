"""The demo book's days after onboarding: how borrowers pay and how staff work the arrears.

- After each end of day, the day's auto-debit orders (made by payments' EOD hook) are answered
  by the simulated bank as ``behaviour.debit_succeeds`` says, then sent by ``process_orders()``.
- Borrowers who are behind pay by hand when ``behaviour.pays_by_hand`` says so: half through a
  payments repayment order (their card, via the bank), half straight through lending's
  ``repay`` (a transfer the lender received); prepayers pay off through ``payoff``.
- The demo collector contacts borrowers of open cases within the conduct limits and records
  their promises to pay; after long delinquency a loan is proposed for write-off by the
  collector and approved by the risk analyst (lending's maker-checker).
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from microloan.collections.interface import (
    ContactResult,
    case_debt,
    case_overdue,
    has_pending_promise,
    log_contact,
    make_promise,
    open_cases_of,
)
from microloan.kernel.actors import Actor
from microloan.kernel.errors import BusinessRuleViolation
from microloan.lending.interface import active_loans, instalment_numbers
from microloan.lending.services import prepayments, quotes, repayments, requests, writeoff
from microloan.payments.channels import simulator
from microloan.payments.interface import waiting_auto_debits
from microloan.payments.services.orders import create_repayment_order
from microloan.payments.services.reconcile import reconcile_settlement
from microloan.payments.services.sweep import process_orders

from .behaviour import Borrower, Profile, debit_succeeds, pays_by_hand, prepays_today

# Real books wait for M6; in a book five months old the first defaulters are one to three
# months behind, so the demo writes off from M2.
WRITE_OFF_AFTER_DPD = 31
CONTACT_SHARE = 0.5  # of open cases, contacted on a given day
BEIJING = ZoneInfo("Asia/Shanghai")


def answer_auto_debits(
    borrowers: dict[str, Borrower], rng: random.Random, *, one_silent: bool = False
) -> tuple[int, int, bool]:
    """Tell the simulated bank how each waiting auto-debit ends, then send them all. With
    ``one_silent`` the bank takes the first successful debit but never calls back, so the
    day's settlement file shows a payment our books do not (a break, until a status query).
    Returns (succeeded, failed, whether one went silent) as instructed."""
    waiting = [
        (debit.order_id, debit.loan_id, debit.customer_id, debit.business_date)
        for debit in waiting_auto_debits()
    ]
    if not waiting:
        return 0, 0, False
    numbers = instalment_numbers({row[1] for row in waiting}, {row[3] for row in waiting})
    ok = failed = 0
    silenced = False
    for order_id, loan_id, customer_id, due in waiting:
        borrower = borrowers.get(customer_id)
        number = numbers.get((loan_id, due), 1)
        succeeds = borrower is None or debit_succeeds(borrower, instalment_number=number, rng=rng)
        outcome = "succeed" if succeeds else "fail"
        if succeeds and one_silent and not silenced:
            outcome, silenced = "silent", True
        simulator.instruct(order_id, outcome)
        ok, failed = ok + succeeds, failed + (not succeeds)
    process_orders()
    return ok, failed, silenced


def reconcile_with_bank(operations: Actor, *, business_date: dt.date) -> int:
    """Operations compares the simulated bank's settlement file for the day with our orders.
    Returns the breaks found."""
    run = reconcile_settlement(actor=operations, business_date=business_date)
    return run.breaks


def pay_arrears_by_hand(
    borrowers: dict[str, Borrower], *, today: dt.date, rng: random.Random
) -> int:
    """Borrowers behind who decide to pay today pay everything overdue. Returns payments."""
    paid = 0
    for loan in active_loans(dpd_min=1):
        borrower = borrowers.get(loan.customer_id)
        if borrower is None or not pays_by_hand(borrower, days_past_due=loan.dpd, rng=rng):
            continue
        amount = loan.arrears_to_pay
        if amount <= 0:
            continue
        actor = Actor.borrower(loan.customer_id)
        if rng.random() < 0.5:
            order = create_repayment_order(
                actor=actor,
                loan_id=loan.public_id,
                amount=amount,
                purpose_key=f"demo:hand:{today.isoformat()}",
            )
            simulator.instruct(order.public_id, "succeed")
        else:
            repayments.repay(  # a transfer the bank reported received
                actor=Actor.system("payments"),
                loan_id=loan.public_id,
                amount=amount,
                business_date=today,
                source_ref=f"demo:transfer:{loan.public_id}:{today.isoformat()}",
            )
        paid += 1
    process_orders()
    return paid


def pay_off_early(borrowers: dict[str, Borrower], *, today: dt.date) -> int:
    """Prepayers settle their loans on the day their profile says. Returns loans paid off."""
    done = 0
    for loan in active_loans(dpd_max=0, started=True):
        borrower = borrowers.get(loan.customer_id)
        if borrower is None or not prepays_today(
            borrower, days_on_book=(today - loan.start_date).days
        ):
            continue
        quote = quotes.payoff_quote(loan_id=loan.public_id, business_date=today)
        prepayments.payoff(  # the payoff debit the bank reported paid
            actor=Actor.system("payments"),
            loan_id=loan.public_id,
            amount=quote.total,
            business_date=today,
            source_ref=f"demo:payoff:{loan.public_id}",
        )
        done += 1
    return done


def work_cases(
    collector: Actor,
    borrowers: dict[str, Borrower],
    phones: dict[str, str],
    *,
    today: dt.date,
    rng: random.Random,
) -> tuple[int, int]:
    """The collector calls some borrowers of their open cases on their own number, in daytime
    Beijing time on the business date; those who will cure promise to pay. Returns (contacts,
    promises)."""
    contacts = promises = 0
    for case in open_cases_of(collector.user_pk):
        if rng.random() >= CONTACT_SHARE:
            continue
        borrower = borrowers.get(case.customer_id)
        will_pay = borrower is not None and borrower.profile != "defaulter"
        result = rng.choice(
            (ContactResult.PROMISED, ContactResult.PROMISED, ContactResult.BUSY)
            if will_pay
            else (ContactResult.NO_ANSWER, ContactResult.UNREACHABLE, ContactResult.REFUSED)
        )
        at = dt.datetime.combine(today, dt.time(9 + rng.randrange(9), rng.randrange(60)), BEIJING)
        try:
            log_contact(
                actor=collector,
                case_id=case.public_id,
                channel="phone",
                number="registered_mobile",
                result=result,
                note="Demo call.",
                attempted_at=at,
            )
        except BusinessRuleViolation:  # a conduct limit refused it (the refusal is recorded)
            continue
        contacts += 1
        pending = has_pending_promise(case.public_id)
        # A borrower promises to catch up (what is overdue), not to repay the whole loan.
        amount = min(case_overdue(case.public_id), case_debt(case.public_id))
        if result == ContactResult.PROMISED and not pending and amount > 0:
            make_promise(
                actor=collector,
                case_id=case.public_id,
                amount=amount,
                due_date=today + dt.timedelta(days=rng.randrange(2, 10)),
            )
            promises += 1
    return contacts, promises


def write_off_long_delinquent(
    collector: Actor, risk: Actor, borrowers: dict[str, Borrower], *, keep_pending: int = 1
) -> int:
    """Loans of borrowers who stopped paying for good (the defaulters, unreachable by now) and
    are at least WRITE_OFF_AFTER_DPD days behind are proposed for write-off by the collector
    and approved by the risk analyst, longest delinquency first; the last ``keep_pending``
    proposals wait in the checker's queue. Returns loans written off."""
    candidates = [
        loan
        for loan in active_loans(dpd_min=WRITE_OFF_AFTER_DPD, longest_first=True)
        if getattr(borrowers.get(loan.customer_id), "profile", None) == Profile.DEFAULTER
    ]
    written = 0
    for position, loan in enumerate(candidates):
        proposal = writeoff.propose_writeoff(
            actor=collector,
            loan_id=loan.public_id,
            reason=f"Unreachable, {loan.dpd} days past due; no promise kept.",
        )
        if position > 0 and position >= len(candidates) - keep_pending:
            continue
        requests.approve_request(
            actor=risk, request_id=proposal.public_id, note="Recovery unlikely; approved."
        )
        written += 1
    return written
