"""Borrowers join the demo book the way real ones do: registered through customers' services,
an application through the origination pipeline, manual-review cases decided by the demo
reviewers, the line agreement and each loan contract viewed and signed by the borrower, the
money paid out by payments through the simulated bank.

Everything here goes through the apps' public services; nothing writes their tables.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from microloan.contracts.interface import line_agreement_of
from microloan.contracts.services.queries import loan_contract_of
from microloan.contracts.services.rendering import ensure_rendered
from microloan.contracts.services.signing import sign_contract
from microloan.customers.services import find_by_id_number, register_customer
from microloan.kernel.actors import Actor
from microloan.lending import interface as lending
from microloan.lending.services import drawdowns
from microloan.origination import interface as origination_queries
from microloan.origination import services as origination
from microloan.origination.interface import FINAL_REVIEW, INITIAL_REVIEW, QueuedApplication
from microloan.products.interface import version_terms

from .behaviour import Borrower, assign_borrower

PRODUCT = "WLD"
YUAN = 100
REVIEW_SHARE = 0.25  # applications whose face match is unsure: a person must look
LOW_INCOME_SHARE = 0.08  # declare an income under the admission floor: rejected automatically
LOW_INCOME_FEN = 200_000
LAST_DAYS, LAST_DAYS_SHARE = 5, 0.07
# Like a pre-approved line shown in an app, most lines granted are not drawn on while the book
# runs; those who do draw at once.
TAKE_UP_SHARE = 0.25
TERMS = (5, 5, 10, 10, 10, 20)
METHODS = ("equal_instalment",) * 6 + ("equal_principal",) * 2 + ("interest_first", "bullet")
ID_VALID_AT_LEAST = dt.timedelta(days=60)
ID_RENEWED_FOR = dt.timedelta(days=10 * 365)


@dataclass
class Plan:
    """One demo person: who they are, how they behave and what they will ask for."""

    index: int
    person: dict
    borrower: Borrower
    arrival: int  # days after the book's first business date
    applies: bool
    face_token: str
    low_income: bool
    amount: int  # fen, first drawdown (capped by the line granted)
    term: int
    method: str
    redraw_after: int | None  # days after the first loan's payout; None: one loan only
    takes_up: bool  # draws a first loan as soon as the line is granted
    customer_id: str = ""


def make_plan(index: int, person: dict, rng: random.Random, *, days: int) -> Plan:
    # Skewed towards the start, so most borrowers have months of history; a campaign in the
    # last days brings a few more, who are the ones left in the review queues.
    if rng.random() < LAST_DAYS_SHARE:
        arrival = days - 1 - rng.randrange(min(LAST_DAYS, days))
    else:
        arrival = min(int(rng.random() ** 1.4 * days), days - 1)
    method = rng.choice(METHODS)
    term = rng.choice(TERMS)
    if method == "bullet":
        term = 5  # a bullet loan runs at most a year
    return Plan(
        index=index,
        person=person,
        borrower=assign_borrower(rng),
        arrival=arrival,
        applies=rng.random() < 0.95,  # a few register and never apply
        face_token="review-demo" if rng.random() < REVIEW_SHARE else "selfie-demo",
        low_income=rng.random() < LOW_INCOME_SHARE,
        amount=rng.choice((10, 20, 30, 50, 50, 80, 100, 150, 200)) * 100 * YUAN,
        term=term,
        method=method,
        redraw_after=rng.randrange(25, 70) if rng.random() < 0.3 else None,
        takes_up=rng.random() < TAKE_UP_SHARE,
    )


def register(plan: Plan, actor: Actor, today: dt.date) -> str:
    """The person's customer id: registered now, or at launch by the customers demo (the
    first people of ``demo_people``), whose registration stands as it was."""
    existing = find_by_id_number(plan.person["id_number"])
    if existing is not None:
        plan.customer_id = existing.public_id
        return plan.customer_id
    data = dict(plan.person)
    expiry = data["id_expiry"]
    if expiry and dt.date.fromisoformat(expiry) < today + ID_VALID_AT_LEAST:
        data["id_expiry"] = (today + ID_RENEWED_FOR).isoformat()  # renewed before arriving
    customer = register_customer(actor=actor, data=data, client_ip=_ip(plan))
    plan.customer_id = customer.public_id
    return plan.customer_id


def _ip(plan: Plan) -> str:
    return f"10.{60 + plan.index // 65536 % 100}.{plan.index // 256 % 256}.{plan.index % 256}"


def apply(plan: Plan):
    """The borrower applies for a line, giving the credit-report consent with the application
    if they had not given it at registration."""
    person = plan.person
    body = {
        "product_code": PRODUCT,
        "requested_amount": max(plan.amount * 2, 2_000_000),
        "purpose": "consumption",
        "name": person["name"],
        "id_number": person["id_number"],
        "phone": person["phone"],
        "bank_card_number": person["bank_card_number"],
        "device_id": person["device_id"],
        "channel": person["channel"],
        "face_token": plan.face_token,
        "consents": [{"purpose": "credit_report_query", "text_version": "2026.1"}],
    }
    if plan.low_income:
        body["monthly_income"] = LOW_INCOME_FEN
    return origination.apply_for_credit(
        actor=Actor.borrower(plan.customer_id), data=body, ip=_ip(plan)
    )


def _final_offer(application: QueuedApplication) -> tuple[int, str]:
    """What the final reviewer grants: the proposed limit (or the amount asked, within the
    product), at the rate of the applicant's grade."""
    terms = version_terms(application.product_version)
    limit = application.proposed_limit or application.requested_amount
    limit = max(min(limit, terms.max_line_limit), terms.min_drawdown)
    rate = terms.grade_rates.get(application.grade) or terms.daily_rate_max
    return limit, str(rate)


def review_waiting(
    *, today: dt.date, initial: Actor | None, final: Actor | None, rng: random.Random
) -> int:
    """The reviewers work what reached their queue before today (cases that came in today wait
    for tomorrow): initial review passes most, rejects some, returns a few for correction;
    final review approves most. A reviewer given as None is away. Returns the decisions."""
    decided = 0
    # Each queue is read as its reviewer starts: what initial review passes today reaches the
    # final reviewer today.
    for application in review_queue(INITIAL_REVIEW, today) if initial else ():
        roll = rng.random()
        outcome = "pass" if roll < 0.8 else "reject" if roll < 0.95 else "return"
        origination.claim_application(actor=initial, application_id=application.public_id)
        origination.decide_application(
            actor=initial,
            application_id=application.public_id,
            outcome=outcome,
            reason={
                "pass": "ID photo, name and card consistent.",
                "reject": "Employer could not be confirmed.",
                "return": "The ID photo is blurred; please upload it again.",
            }[outcome],
            return_fields={"face_token": "Take the selfie again."} if outcome == "return" else None,
        )
        decided += 1
    for application in review_queue(FINAL_REVIEW, today) if final else ():
        origination.claim_application(actor=final, application_id=application.public_id)
        if rng.random() < 0.85:
            limit, rate = _final_offer(application)
            origination.decide_application(
                actor=final,
                application_id=application.public_id,
                outcome="approve",
                reason="Income and grade support the limit.",
                limit=limit,
                daily_rate=rate,
            )
        else:
            origination.decide_application(
                actor=final,
                application_id=application.public_id,
                outcome="reject",
                reason="Debt burden too high for the declared income.",
                reason_codes=["debt_burden_high"],
            )
        decided += 1
    return decided


def _view_and_sign(borrower: Actor, contract_id: str, device_id: str) -> None:
    """What the app does: open the PDF (rendered on first view), then sign its SHA-256."""
    shown = ensure_rendered(actor=borrower, contract_id=contract_id)
    sign_contract(
        actor=borrower,
        contract_id=contract_id,
        sha256=shown.pdf_sha256,
        device_id=device_id,
        ip_address="10.200.0.1",
        user_agent="MicroloanDemo/1.0",
    )


def sign_line_agreement(plan: Plan, line_id: str) -> None:
    agreement = line_agreement_of(line_id)
    if agreement is not None and not agreement.signed:
        _view_and_sign(
            Actor.borrower(plan.customer_id), agreement.public_id, plan.person["device_id"]
        )


def draw_and_sign(plan: Plan, line_id: str, amount: int):
    """Draw ``amount`` (within what the line has left), sign the loan contract; its signature
    orders the disbursement (payments' subscriber), paid out through the simulated bank."""
    available = lending.line_available(line_id)
    amount = min(amount, available // (100 * YUAN) * (100 * YUAN))
    if amount < 500 * YUAN:
        return None
    borrower = Actor.borrower(plan.customer_id)
    loan = drawdowns.drawdown(
        actor=borrower,
        line_id=line_id,
        amount=amount,
        term_months=plan.term,
        method=plan.method,
    )
    contract = loan_contract_of(loan.public_id)
    _view_and_sign(borrower, contract.public_id, plan.person["device_id"])
    return loan


def review_queue(state: str, today: dt.date) -> list[QueuedApplication]:
    return origination_queries.review_queue(state, submitted_before=today)


def approved_line(customer_id: str) -> str:
    """The customer's open credit line ("" if none)."""
    return lending.open_line_of(customer_id)
