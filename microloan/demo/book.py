"""The living demo book: a few thousand people and months of business days, all through the
real services, so every page and chart shows true data.

From the initial business date, each business day:

1. the day's new people register and apply (``onboarding``); of the auto-approved applicants
   and those the final reviewer approved, a quarter sign the line agreement, draw a loan and
   sign its contract — its signature orders the payout, sent at once to the simulated bank
   (the others hold their line unused, as many holders of a pre-approved line do);
2. the reviewers work what reached their queues before today (today's arrivals wait, so the
   last days' cases stay in the queues);
3. borrowers behind pay by hand or not, prepayers pay off, the collector works the cases
   (``servicing``, driven by the seeded ``behaviour`` model);
4. the real end of day runs (accrual, dues, overdue, penalties, classification, provisions,
   auto-debit orders, reminders, collection cases, post-loan checks, snapshots, analytics)
   and moves the date on; the simulated bank then answers the day's auto-debits.

At the end the longest-delinquent loans are written off through maker-checker and lending's
showcase cases are added on real customers. One progress line per month.

Sizing: ``DEMO_CUSTOMERS`` people over ``DEMO_DAYS`` days must fit in two minutes on the 2-core
machine. A quarter of the lines granted are drawn on (``onboarding.TAKE_UP_SHARE``), so 3000
people make about 1700 lines and 500 loans. Measured on a quiet machine: 78.8 s for the book,
81 s for ``microloan demo`` after a 2 s ``migrate`` (CPU: onboarding 55 s, of which a loan with
its two contracts rendered, signed and sealed and its payout is about 45 ms, an application 4
ms, a registration 4 ms; auto-debits 7 s; end of day 6 s; notifications 4 s). The last line of
the build prints the CPU per phase.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from contextlib import contextmanager

from django.conf import settings
from django.test import override_settings

from microloan.accounts.roles import (
    COLLECTOR,
    FINAL_REVIEWER,
    INITIAL_REVIEWER,
    OPERATIONS,
    RISK_ANALYST,
)
from microloan.batch.services import run_eod
from microloan.collections import interface as collecting
from microloan.contracts.signing import ensure_signing_keys
from microloan.customers.demo import demo_people
from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError
from microloan.kernel.services import get_business_date
from microloan.lending import interface as lending
from microloan.notifications.delivery import deliver_due_messages
from microloan.notifications.interface import message_counts_by_status
from microloan.origination import interface as origination
from microloan.payments.interface import order_counts_by_kind

from . import onboarding, servicing
from .staff import role_actor

DEMO_CUSTOMERS = 3000
DEMO_DAYS = 151  # 2026-01-01 to 2026-05-31: five month-ends
# The reviewers stop working this many days before the end, so the queues have cases in them.
INITIAL_QUEUE_DAYS, FINAL_QUEUE_DAYS = 2, 4
# In the last week the bank takes one auto-debit without calling back: a settlement break.
SILENT_BANK_DAYS_BEFORE_END = 7
SEED = 20260101
MESSAGES_PER_DAY = 5_000  # more than a day of this book ever queues
# The in-process simulated bank; payouts go as their contract is signed, end-of-day orders
# wait for the book to tell the bank how each one ends (then ``process_orders()``).
ONBOARDING_PAYMENTS = {
    "PAYMENTS_CHANNEL": "simulator",
    "PAYMENTS_SIMULATOR_URL": "",
    "PAYMENTS_SIMULATOR_CALLBACKS": "immediate",
    "PAYMENTS_DISPATCH": "inline",
}
SERVICING_PAYMENTS = {**ONBOARDING_PAYMENTS, "PAYMENTS_DISPATCH": "sweep"}
APPROVED = origination.APPROVED_STATES


class Book:
    """One build: the people's plans, who is who, and the month's counters for progress."""

    def __init__(self, *, customers: int, days: int, stdout) -> None:
        self.days, self.stdout = days, stdout
        self.start = get_business_date()
        rng = random.Random(SEED)
        people = demo_people(self.start, customers)  # the customers demo's, and more
        self.plans = [
            onboarding.make_plan(index, person, rng, days=days)
            for index, person in enumerate(people)
        ]
        self.borrowers = {}  # customer public id -> behaviour profile
        self.phones: dict[str, str] = {}  # customer public id -> number the collector dials
        self.first_payout: dict[str, dt.date] = {}  # customer public id -> first loan's day
        self.opened: set[str] = set()  # customers whose line was taken up
        self.redrawn: set[str] = set()
        self.registrar = Actor.system("demo")
        self.initial, self.final = role_actor(INITIAL_REVIEWER), role_actor(FINAL_REVIEWER)
        self.collector, self.risk = role_actor(COLLECTOR), role_actor(RISK_ANALYST)
        self.operations = role_actor(OPERATIONS)
        self.eod = Actor.system("eod")
        self.month = Counter()
        self.cpu: Counter = Counter()
        self.silenced = False  # the bank has kept one debit's answer to itself

    def silence_due(self, offset: int) -> bool:
        return not self.silenced and offset >= self.days - SILENT_BANK_DAYS_BEFORE_END

    @contextmanager
    def timed(self, phase: str):
        """Adds the CPU seconds of ``phase`` to ``self.cpu`` (what sizing the book is about)."""
        started = time.process_time()
        try:
            yield
        finally:
            self.cpu[phase] += time.process_time() - started

    def day_rng(self, today: dt.date, topic: str) -> random.Random:
        return random.Random(f"{SEED}:{today.isoformat()}:{topic}")

    def run(self) -> None:
        started = time.perf_counter()
        for offset in range(self.days):
            today = get_business_date()
            with override_settings(**ONBOARDING_PAYMENTS), self.timed("onboarding"):
                self.onboard(offset, today)
            with override_settings(**SERVICING_PAYMENTS):
                with self.timed("servicing"):
                    self.service(today)
                with self.timed("end of day"):
                    run_eod(actor=self.eod, business_date=today)
                with self.timed("auto-debits"):
                    ok, failed, silenced = servicing.answer_auto_debits(
                        self.borrowers,
                        self.day_rng(today, "debit"),
                        one_silent=self.silence_due(offset),
                    )
                    self.silenced = self.silenced or silenced
                    self.month["breaks"] += servicing.reconcile_with_bank(
                        self.operations, business_date=today
                    )
            with self.timed("notifications"):
                # What the notifications worker does: send what is due, through the providers.
                self.month["messages"] += deliver_due_messages(limit=MESSAGES_PER_DAY)["sent"]
            self.month.update(debits=ok + failed, debit_failures=failed)
            tomorrow = get_business_date()
            if tomorrow.month != today.month or offset == self.days - 1:
                self.report_month(today, time.perf_counter() - started)
        with override_settings(**SERVICING_PAYMENTS):
            self.finish()

    # --- phases of a day -------------------------------------------------------------------

    def onboard(self, offset: int, today: dt.date) -> None:
        for plan in self.plans:
            if plan.arrival != offset:
                continue
            onboarding.register(plan, self.registrar, today)
            self.month["registered"] += 1
            if not plan.applies:
                continue
            self.borrowers[plan.customer_id] = plan.borrower
            self.phones[plan.customer_id] = plan.person["phone"]
            application = onboarding.apply(plan)
            self.month["applications"] += 1
            if application.state in APPROVED:
                self.open_first_loan(plan, application.line_id, today)
        self.month["decisions"] += onboarding.review_waiting(
            today=today,
            initial=self.initial if offset < self.days - INITIAL_QUEUE_DAYS else None,
            final=self.final if offset < self.days - FINAL_QUEUE_DAYS else None,
            rng=self.day_rng(today, "review"),
        )
        self.draw_for_newly_approved(today)
        self.draw_again(today)

    def open_first_loan(self, plan: onboarding.Plan, line_id: str, today: dt.date) -> None:
        self.opened.add(plan.customer_id)
        self.month["lines"] += 1
        if not plan.takes_up:
            return  # holds the line (its agreement unsigned) and never draws
        onboarding.sign_line_agreement(plan, line_id)
        loan = onboarding.draw_and_sign(plan, line_id, plan.amount)
        if loan is not None:
            self.first_payout[plan.customer_id] = today
            self.month["loans"] += 1

    def draw_for_newly_approved(self, today: dt.date) -> None:
        """Customers the final reviewer approved today draw their first loan at once."""
        approved = origination.approved_lines(self.borrowers)
        plans = {plan.customer_id: plan for plan in self.plans if plan.customer_id}
        for customer_id, line_id in approved:
            if customer_id not in self.opened and line_id:
                self.open_first_loan(plans[customer_id], line_id, today)

    def draw_again(self, today: dt.date) -> None:
        """Some borrowers in good standing come back for a second loan on the same line."""
        for plan in self.plans:
            first = self.first_payout.get(plan.customer_id)
            if first is None or plan.redraw_after is None or plan.customer_id in self.redrawn:
                continue
            if (today - first).days != plan.redraw_after:
                continue
            behind = lending.customer_has_overdue_loan(plan.customer_id)
            line_id = onboarding.approved_line(plan.customer_id)
            self.redrawn.add(plan.customer_id)
            if behind or not line_id:
                continue
            try:
                loan = onboarding.draw_and_sign(plan, line_id, plan.amount // 2)
            except DomainError:  # the line was frozen or cut by a post-loan check meanwhile
                continue
            self.month["loans"] += loan is not None

    def service(self, today: dt.date) -> None:
        self.month["hand_payments"] += servicing.pay_arrears_by_hand(
            self.borrowers, today=today, rng=self.day_rng(today, "hand")
        )
        self.month["payoffs"] += servicing.pay_off_early(self.borrowers, today=today)
        contacts, promises = servicing.work_cases(
            self.collector,
            self.borrowers,
            self.phones,
            today=today,
            rng=self.day_rng(today, "collect"),
        )
        self.month.update(contacts=contacts, promises=promises)

    def finish(self) -> None:
        written = servicing.write_off_long_delinquent(self.collector, self.risk, self.borrowers)
        self.stdout.write(f"  {written} long-delinquent loans written off (maker-checker)")
        self.stdout.write(
            "  CPU seconds: " + ", ".join(f"{phase} {sec:.1f}" for phase, sec in self.cpu.items())
        )

    # --- reporting -------------------------------------------------------------------------

    def report_month(self, day: dt.date, seconds: float) -> None:
        m = self.month
        open_cases = collecting.open_case_count()
        self.stdout.write(
            f"  {day:%Y-%m}: {m['registered']} registered, {m['applications']} applications, "
            f"{m['decisions']} reviewed, {m['lines']} lines granted, {m['loans']} loans paid out, "
            f"{m['debits']} auto-debits "
            f"({m['debit_failures']} failed), {m['hand_payments']} paid by hand, "
            f"{m['payoffs']} paid off, {m['contacts']} contacts, {open_cases} open cases, "
            f"{m['breaks']} settlement breaks, {m['messages']} messages sent "
            f"[{seconds:.1f} s]"
        )
        self.month = Counter()


def book_summary() -> str:
    """Counts per state: applications, loans, collection cases, orders, messages."""

    def by(counts: dict[str, int]) -> str:
        return ", ".join(f"{key} {n}" for key, n in counts.items()) or "none"

    return "\n".join(
        (
            f"  applications: {by(origination.application_counts_by_state())}",
            f"  loans: {by(lending.loan_status_counts())}; overdue now: "
            f"{lending.overdue_active_loan_count()}",
            f"  collection cases: {by(collecting.case_counts_by_status())}; "
            f"contacts {collecting.contact_count()}, promises {collecting.promise_count()}",
            f"  payment orders: {by(order_counts_by_kind())}",
            f"  messages: {by(message_counts_by_status())}",
        )
    )


def build_book(stdout, *, customers: int = DEMO_CUSTOMERS, days: int = DEMO_DAYS) -> bool:
    """Build the book on a fresh installation; returns whether it did. A second run, or a
    database whose business date has moved on, is left alone."""
    initial = dt.date.fromisoformat(settings.INITIAL_BUSINESS_DATE)
    if origination.any_application() or get_business_date() != initial:
        stdout.write("Demo book: applications exist or the business date moved on; unchanged")
        return False
    if customers < 1 or days < 1:
        stdout.write("Demo book: skipped (no customers or no days asked for)")
        return False
    stdout.write(f"Demo book: {customers} people over {days} business days from {initial}")
    started = time.perf_counter()
    ensure_signing_keys()  # made (and said) now, while DEBUG is as set
    # A batch job: Django's debug cursor would format and keep every one of its statements.
    # Its days have no time of day: reminders go out on their simulated day, whatever hour the
    # build runs at (outside 09:00-20:00 they would wait for a morning the book never has).
    with override_settings(DEBUG=False, NOTIFICATIONS_ALLOWED_HOURS="00:00-23:59:59.999999"):
        Book(customers=customers, days=days, stdout=stdout).run()
    stdout.write(book_summary())
    stdout.write(f"Demo book built in {time.perf_counter() - started:.1f} s")
    return True
