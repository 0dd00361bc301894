"""A small real book for the post-loan day-by-day test (issue #6), and what each day should
have produced, read the slow obvious way (row by row, in Python) to check the set-based hooks.

The book is made the way production makes it: registered customers, credit lines opened by
operations, drawdowns by the borrower, disbursement by payments after the loan contract is
signed ("contract.signed"). Borrower behaviour is steered through the simulated bank: every
order gets an explicit instruction (an amount ending in 91–94 would otherwise be read as a
marker), so which auto-debits fail is the scenario's choice, never chance.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.test import override_settings

from microloan.contracts.events import ContractSigned
from microloan.kernel import events
from microloan.kernel.actors import Actor
from microloan.lending.models import Instalment, Loan
from microloan.lending.services import drawdowns, lines
from microloan.notifications.reminders import READ_LAG
from microloan.payments.channels import bank_rules, simulator
from microloan.payments.models import PaymentOrder
from microloan.payments.services.orders import create_repayment_order
from microloan.payments.services.sweep import process_orders

REMINDER_OFFSETS = (3, 1, 0)  # notifications' default (no ReminderPolicy rows in the test)
OVERDUE_NOTICE_DAYS = (1, 7)
REMINDER_CHANNELS = ("sms", "push")
NOTICE_CHANNELS = ("sms", "inbox")
OPEN_INSTALMENT = (Instalment.Status.SCHEDULED, Instalment.Status.DUE)
PAID_OR_OPEN = (*OPEN_INSTALMENT, Instalment.Status.PAID)


# --- borrower behaviour ------------------------------------------------------------------

OK = "ok"  # every auto-debit succeeds
DEFAULTS = "defaults"  # every auto-debit fails, nobody pays: M1 → M2 → M3
CURES = "cures"  # auto-debits fail until the borrower pays the arrears by hand in M2
KEEPS_PROMISE = "keeps_promise"  # promises to pay in M1 and pays on the promised date
BREAKS_PROMISE = "breaks_promise"  # promises in M1, never pays
PAYS_ON_DUE_DATE = "pays_on_due_date"  # pays each instalment by hand on its due date
PAYS_HALF = "pays_half"  # pays half of each instalment by hand on its due date
CATCHES_UP = "catches_up"  # auto-debits fail; in M2 pays the oldest instalment: back to M1
PAYS_EARLY = "pays_early"  # pays each instalment by hand two days before it falls due
SETTLES_LATE = "settles_late"  # auto-debits fail; pays everything by hand after maturity
RELAPSES = "relapses"  # every auto-debit fails; pays the arrears by hand 5 days late, each time
FAILING_DEBITS = (
    DEFAULTS, CURES, KEEPS_PROMISE, BREAKS_PROMISE, CATCHES_UP, SETTLES_LATE, RELAPSES,
)  # fmt: skip
RELAPSE_PAYS_AT_DPD = 5
SETTLE_DAYS_AFTER_MATURITY = 5


@dataclass
class BookLoan:
    """One planned loan and how its borrower behaves."""

    name: str
    customer: int  # index into the book's customers
    product: str
    amount: int
    term: int
    method: str
    draw_day: int  # days after the start
    behaviour: str = OK
    bank: str = bank_rules.SUCCEED  # how the bank answers a debit that succeeds
    loan: Loan | None = None
    cured_on: dt.date | None = None  # borrower paid the arrears by hand (this business date)

    @property
    def public_id(self) -> str:
        assert self.loan is not None, f"{self.name} is not drawn yet"
        return self.loan.public_id

    def debit_outcome(self) -> str:
        """What the simulated bank does with this loan's auto-debit now."""
        if self.behaviour == RELAPSES or (self.behaviour in FAILING_DEBITS and not self.cured_on):
            return bank_rules.FAIL
        return self.bank


# Mixed products, methods, terms and drawdown days, so due dates spread over the month and
# some loans mature inside the 120 days (the 3-month ones) while others outlive them.
BOOK = (
    BookLoan("ok_ei5", 0, "WLD", 1_200_000, 5, "equal_instalment", 0),
    BookLoan("defaults_ep10", 0, "WLD", 800_000, 10, "equal_principal", 0, DEFAULTS),
    BookLoan("cures_if5", 1, "WLD", 600_000, 5, "interest_first", 0, CURES),
    BookLoan("ok_ei10_late", 1, "WLD", 1_000_000, 10, "equal_instalment", 12),
    BookLoan("ok_ei3_payoff", 2, "WLS", 500_000, 3, "equal_instalment", 0),
    BookLoan("keeps_ep3", 2, "WLS", 700_000, 3, "equal_principal", 5, KEEPS_PROMISE),
    BookLoan("breaks_if3", 3, "WLS", 300_000, 3, "interest_first", 3, BREAKS_PROMISE),
    BookLoan("ok_bullet5", 4, "WLD", 400_000, 5, "bullet", 0),
    # The bank answers twice; its answer is lost (a status query finds it); it never calls back.
    BookLoan("ok_ep20", 4, "WLD", 1_500_000, 20, "equal_principal", 7, bank=bank_rules.DUPLICATE),
    BookLoan("ok_ei5_b", 3, "WLS", 900_000, 5, "equal_instalment", 20, bank=bank_rules.TIMEOUT),
    BookLoan("ok_if5", 5, "WLS", 650_000, 5, "interest_first", 1, bank=bank_rules.SILENT),
    BookLoan("ok_ei3_late", 5, "WLS", 250_000, 3, "equal_instalment", 40),
    BookLoan("ok_ei5_day60", 4, "WLD", 200_000, 5, "equal_instalment", 60),
    BookLoan("ok_bullet3", 5, "WLS", 450_000, 3, "bullet", 2),
    BookLoan("ok_ep5_month_end", 1, "WLD", 300_000, 5, "equal_principal", 29),  # 03-31
    BookLoan("self_pays_ei5", 3, "WLS", 550_000, 5, "equal_instalment", 4, PAYS_ON_DUE_DATE),
    BookLoan("half_pays_ep5", 0, "WLD", 720_000, 5, "equal_principal", 9, PAYS_HALF),
    BookLoan("catches_up_ei10", 5, "WLD", 880_000, 10, "equal_instalment", 6, CATCHES_UP),
    BookLoan("settles_late_ei3", 2, "WLS", 400_000, 3, "equal_instalment", 8, SETTLES_LATE),
    BookLoan("relapses_ep5", 3, "WLS", 500_000, 5, "equal_principal", 15, RELAPSES),
)


# --- making the book ---------------------------------------------------------------------


def open_lines(ops: Actor, versions: dict, customers: list, book) -> dict[tuple[int, str], str]:
    """One line per (customer, product) the book uses → its public id."""
    opened = {}
    for planned in book:
        key = (planned.customer, planned.product)
        if key not in opened:
            opened[key] = lines.open_credit_line(
                actor=ops,
                customer_id=customers[planned.customer].public_id,
                product_version_id=versions[planned.product].public_id,
                limit=5_000_000,
                daily_rate=Decimal("0.0005"),
            ).public_id
    return opened


def draw_and_disburse(planned: BookLoan, *, line_id: str, customer_id: str, on, capture) -> Loan:
    """The borrower draws; the loan contract is signed ("contract.signed", as contracts
    publishes it); payments sends the disbursement at commit (inline dispatch) and the bank
    pays out at once; lending activates the loan. ``capture`` is pytest-django's
    ``django_capture_on_commit_callbacks`` (the test's transaction never commits)."""
    loan = drawdowns.drawdown(
        actor=Actor.borrower(customer_id),
        line_id=line_id,
        amount=planned.amount,
        term_months=planned.term,
        method=planned.method,
        business_date=on,
    )
    with (
        override_settings(PAYMENTS_DISPATCH="inline"),
        capture(execute=True),
        transaction.atomic(),
    ):
        events.publish(
            ContractSigned(
                customer_id=customer_id,
                contract_id=f"ctr_{planned.name}",
                kind="loan",
                line_id=line_id,
                loan_id=loan.public_id,
                sha256="0" * 64,
            )
        )
    loan = Loan.objects.get(pk=loan.pk)
    order = PaymentOrder.objects.get(loan_id=loan.public_id, kind=PaymentOrder.Kind.DISBURSEMENT)
    assert order.status == PaymentOrder.Status.SUCCEEDED, (planned.name, order.failure_code)
    assert loan.status == Loan.Status.ACTIVE, (planned.name, loan.status)
    return loan


def pay_by_hand(planned: BookLoan, *, on: dt.date, amount: int | None = None) -> PaymentOrder:
    """The borrower repays from the app (everything overdue unless ``amount`` is given): a
    payments collection order, sent and answered (success) by the sweep."""
    loan = Loan.objects.get(pk=planned.loan.pk)
    amount = overdue_total(loan) if amount is None else amount
    assert amount > 0, f"{planned.name} owes nothing on {on}"
    order = create_repayment_order(
        actor=Actor.borrower(loan.customer_id),
        loan_id=loan.public_id,
        amount=amount,
        purpose_key=f"by_hand:{planned.name}:{on.isoformat()}",
    )
    simulator.instruct(order.public_id, bank_rules.SUCCEED)
    process_orders()
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.SUCCEEDED and order.posted_ref, order.posting_error
    return order


def overdue_total(loan: Loan) -> int:
    return loan.overdue_principal + loan.overdue_interest + loan.penalty_receivable


def oldest_arrears_payment(planned: BookLoan) -> int:
    """Penalty, every overdue interest and the principal of the oldest overdue instalment:
    paying it leaves only later instalments' principal overdue (the loan's dpd drops)."""
    loan = Loan.objects.get(pk=planned.loan.pk)
    oldest = Instalment.objects.get(loan=loan, due_date=loan.oldest_unpaid_due_date)
    return (
        loan.penalty_receivable + loan.overdue_interest + oldest.principal - oldest.paid_principal
    )


def unpaid_instalment_due(planned: BookLoan, day: dt.date) -> int:
    """What is left of the loan's instalment falling due on ``day`` (0 if none)."""
    instalment = Instalment.objects.filter(
        loan=planned.loan, due_date=day, status__in=OPEN_INSTALMENT
    ).first()
    if instalment is None:
        return 0
    return (
        instalment.principal
        + instalment.interest
        - instalment.paid_principal
        - instalment.paid_interest
    )


# --- what a day should produce -----------------------------------------------------------


def loans_falling_due(day: dt.date, loan_pks: list[int]) -> set[str]:
    """Active loans with an instalment falling due on ``day`` not paid in advance (read before
    the day's end of day): each must get exactly one auto-debit order that day."""
    due = set()
    for instalment in Instalment.objects.filter(
        loan_id__in=loan_pks, due_date=day, status__in=OPEN_INSTALMENT
    ).select_related("loan"):
        unpaid = (
            instalment.principal
            + instalment.interest
            - instalment.paid_principal
            - instalment.paid_interest
        )
        # Money the borrower paid before the due date is held (unapplied) and applied first.
        unpaid -= instalment.loan.unapplied_balance
        if instalment.loan.status == Loan.Status.ACTIVE and unpaid > 0:
            due.add(instalment.loan.public_id)
    return due


def expected_reminders(day: dt.date, loan_pks: list[int]) -> dict[str, int]:
    """Dedupe key → amount of the reminders end of day ``day`` must write: every open
    instalment of an active loan due 3, 1 or 0 days after the day the borrower reads them
    (``day + READ_LAG``), per channel, for what is left to pay on it.

    Money the borrower already paid ahead is held on the loan (unapplied receipts) and end of
    day applies it to this instalment when it falls due: it is paid, and a reminder must not
    ask for it again (none when it covers the instalment, else only the rest).
    """
    read_on = day + READ_LAG
    reminders = {}
    for instalment in Instalment.objects.filter(
        loan_id__in=loan_pks,
        loan__status=Loan.Status.ACTIVE,
        status__in=OPEN_INSTALMENT,
        due_date__gte=read_on,
        due_date__lte=read_on + dt.timedelta(days=max(REMINDER_OFFSETS)),
    ).select_related("loan"):
        days = (instalment.due_date - read_on).days
        left = (
            instalment.principal
            + instalment.interest
            + instalment.penalty
            - instalment.paid_principal
            - instalment.paid_interest
            - instalment.paid_penalty
            - instalment.loan.unapplied_balance
        )
        if days not in REMINDER_OFFSETS or left <= 0:
            continue
        base = (
            f"reminder:{instalment.loan.public_id}:{instalment.number}:"
            f"{instalment.due_date.isoformat()}:{days}"
        )
        reminders.update({f"{base}#{channel}": left for channel in REMINDER_CHANNELS})
    return reminders


def expected_notices(loan_pks: list[int]) -> dict[str, dict]:
    """Dedupe key → variables of the overdue notices for loans 1 or 7 days past due today."""
    notices = {}
    for loan in Loan.objects.filter(
        pk__in=loan_pks, status=Loan.Status.ACTIVE, dpd__in=OVERDUE_NOTICE_DAYS
    ):
        if loan.oldest_unpaid_due_date and overdue_total(loan) > 0:
            oldest = loan.oldest_unpaid_due_date.isoformat()
            variables = {
                "due_date": oldest,
                "days_past_due": loan.dpd,
                "overdue_amount": overdue_total(loan),
            }
            base = f"overdue:{loan.public_id}:{oldest}:{loan.dpd}"
            notices.update({f"{base}#{channel}": variables for channel in NOTICE_CHANNELS})
    return notices


def reminder_duplicates(keys: list[str]) -> dict[tuple, int]:
    """(loan, instalment number, offset, channel) reminded more than once, whatever the key's
    other parts say (a reminder must never reach a borrower twice)."""
    counts: Counter = Counter()
    for key in keys:
        base, _hash, channel = key.partition("#")
        _kind, loan_id, number, _due, days = base.split(":")
        counts[(loan_id, number, days, channel)] += 1
    return {key: count for key, count in counts.items() if count > 1}


@dataclass
class RunLog:
    """What the run saw, for the end-of-run assertions that the scenario really happened."""

    buckets: dict[str, set[str]] = field(default_factory=dict)  # loan name → buckets held
    closed: dict[str, list[tuple[dt.date, str]]] = field(default_factory=dict)
    auto_debits: Counter = field(default_factory=Counter)  # outcome → orders
    bank_answers: Counter = field(default_factory=Counter)  # how the bank said yes → orders
    reminders: int = 0
    notices: int = 0
    paid_off: set[str] = field(default_factory=set)
    trail: dict[str, list[str]] = field(default_factory=dict)  # loan name → bucket each day
    power_cuts: list[str] = field(default_factory=list)  # hooks the run died after
    paid_by_hand: Counter = field(default_factory=Counter)  # loan name → payments from the app


def squeeze(trail: list[str]) -> list[str]:
    """["M1", "M1", "M2", "M2", "M1"] → ["M1", "M2", "M1"]: the buckets in the order entered."""
    return [
        bucket for index, bucket in enumerate(trail) if index == 0 or trail[index - 1] != bucket
    ]
