"""120 business days of post-loan servicing on a small real book (issue #6).

Twenty loans on seven credit lines of six registered customers, two products, every repayment
method, 3- to 20-month terms, drawn on different days (one on the 31st) and disbursed by
payments after "contract.signed". The real end of day runs 120 times, in one to three
partitions, and now and then dies right after a hook's checkpoint and is resumed. After each
run the payments sweep sends the day's auto-debits to the simulated bank, told per order what
to do (pay, fail, answer twice, lose the answer, never call back: a status query settles the
last two).

The borrowers (post_loan_helpers.BOOK): most let the auto-debit pay; some pay the instalment
or half of it from the app on the due date; one never pays (M1 → M2 → M3); one cures in M2 by
paying the arrears by hand; one pays only the oldest instalment in M2 and drops back to M1
(twice); one settles everything after maturity (case closed "paid_off"); one is five days
late on every instalment (three cases, each cured); one promises in M1 and pays on the
promised date; one promises and does not.

Checked every day:
(a) reminders for instalments due in 3/1/0 days (as read on D + 1, notifications' READ_LAG)
    for the amount left, and overdue notices at 1 and 7 days past due: exactly the expected
    messages, never one twice for the same (instalment, offset, channel);
(b) one auto-debit order per loan with an unpaid instalment due that day, for its overdue
    instalments and penalty; its result posted once to lending (source_ref = order id) or the
    instalment left overdue;
(c) a collection case open exactly for the loans with dpd ≥ 1, in the bucket of their dpd,
    every bucket entry in its history, closed (cured / paid_off) the day the arrears are paid;
(d) promises pending until their date, judged kept on it, broken after its grace day;
(e) the loan sub-ledger reconciles with the general ledger and the trial balance balances,
    after end of day and again after the payments are posted;
and (f) the audit chain verifies at the end.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace

import pytest
from django.utils import timezone

from microloan.accounts.testing import make_staff
from microloan.audit.services import verify_audit_chain
from microloan.batch.models import EodCheckpoint, EodRun
from microloan.batch.services import BATCH_ACTOR, run_eod
from microloan.collections.domain import case_bucket
from microloan.collections.eod import promise_grace_days
from microloan.collections.models import BucketChange, CollectionCase, PromiseToPay
from microloan.collections.services.contacts import make_promise
from microloan.customers.testing import make_customer
from microloan.kernel.actors import Actor
from microloan.kernel.services import get_business_date, set_initial_business_date
from microloan.ledger.services import trial_balance
from microloan.lending.models import Instalment, Loan, LoanTransaction
from microloan.lending.services.reconcile import reconcile
from microloan.lending.tests.conftest import OPERATIONS_PERMS, make_product_version, make_user
from microloan.notifications.models import Message
from microloan.payments.channels import bank_rules, simulator
from microloan.payments.models import PaymentOrder
from microloan.payments.services.sweep import process_orders

from . import post_loan_helpers as h

START = dt.date(2026, 3, 2)
DAYS = 120
PROMISE_AT_DPD = 3  # the collector gets the promise on the loan's third day past due
PROMISE_DAYS = 4  # … to pay four days later
CURE_AT_DPD = 35  # the curing borrower pays the arrears by hand in M2
CATCH_UP_AT_DPD = 40  # two instalments overdue; paying the oldest leaves dpd ≈ 10 (M1)
AUTO_DEBIT = PaymentOrder.Kind.AUTO_DEBIT
QUERY_AFTER = dt.timedelta(minutes=2)  # past PAYMENTS_STATUS_QUERY_AFTER_SECONDS
CUT_EVERY = 10  # days: a power cut in the middle of the 5th, 15th, 25th … end of day
CUT_AFTER_HOOKS = (
    "payments.auto_debit",
    "notifications.reminders",
    "collections.cases",
    "collections.assign",
)


class PowerCut(Exception):
    """The end-of-day process dies (after a checkpoint committed)."""


@pytest.fixture
def payments_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PAYMENTS_DISPATCH = "sweep"  # auto-debits wait for process_orders()
    settings.PAYMENTS_SIMULATOR_CALLBACKS = "immediate"
    settings.PAYMENTS_SIMULATOR_URL = ""
    settings.PAYMENTS_CALLBACK_SECRET = "test-callback-secret"
    settings.PAYMENTS_STATUS_QUERY_AFTER_SECONDS = 60
    settings.NOTIFICATIONS_REMINDER_OFFSETS = h.REMINDER_OFFSETS
    settings.NOTIFICATIONS_OVERDUE_NOTICE_DAYS = h.OVERDUE_NOTICE_DAYS
    return settings


class Servicing:
    """The book, the staff, and the day-by-day checks."""

    def __init__(self, django_user_model, capture, book=h.BOOK, *, check_messages=True):
        set_initial_business_date(START)
        ops_user = make_user(django_user_model, "ops_days", *OPERATIONS_PERMS)
        self.ops = Actor.from_user(ops_user)
        self.versions = {
            "WLD": make_product_version(ops_user, code="WLD"),
            "WLS": make_product_version(ops_user, code="WLS", allowed_terms=(3, 5)),
        }
        self.customers = [make_customer() for _ in range(6)]
        self.lines = h.open_lines(self.ops, self.versions, self.customers, book)
        self.collector = Actor.from_user(make_staff(role="collector"))
        self.capture = capture
        self.book = [replace(planned) for planned in book]
        self.promises: dict[str, PromiseToPay] = {}
        self.expected_messages: set[str] = set()
        self.expected_orders = 0
        self.held_yesterday: dict[str, str] = {}  # loan → bucket of its open case
        self.log = h.RunLog()
        self.checks_messages = check_messages

    # --- helpers ---------------------------------------------------------------------------

    @property
    def drawn(self) -> list[h.BookLoan]:
        return [planned for planned in self.book if planned.loan is not None]

    @property
    def loan_pks(self) -> list[int]:
        return [planned.loan.pk for planned in self.drawn]

    def by_public_id(self) -> dict[str, h.BookLoan]:
        return {planned.public_id: planned for planned in self.drawn}

    def fresh(self, planned: h.BookLoan) -> Loan:
        return Loan.objects.get(pk=planned.loan.pk)

    def open_case(self, planned: h.BookLoan) -> CollectionCase:
        return CollectionCase.objects.get(loan=planned.loan, status=CollectionCase.Status.OPEN)

    def run_day(self, index: int) -> None:
        """The borrowers' morning, end of day D with the checks of (a)–(e), the payments."""
        today = get_business_date()
        assert today == START + dt.timedelta(days=index)
        self.morning(index, today)
        falling_due = h.loans_falling_due(today, self.loan_pks)
        self.end_of_day(index)
        orders = self.check_auto_debit_orders(today, falling_due)
        if self.checks_messages:
            self.check_messages(today)
        self.check_cases(today)
        self.check_promises(today)
        self.check_books(f"after end of day {today}")
        self.settle_auto_debits(today, orders)
        self.check_books(f"after the payments of {today}")

    def end_of_day(self, index: int) -> None:
        """End of day in one to three partitions; every so often the process dies right after
        a hook's first partition committed, and the rerun resumes the day."""
        partitions = 1 + index % 3
        if index % CUT_EVERY != CUT_EVERY // 2:
            run_eod(actor=BATCH_ACTOR, partitions=partitions)
            return
        hook = CUT_AFTER_HOOKS[(index // CUT_EVERY) % len(CUT_AFTER_HOOKS)]

        def power_cut(checkpoint: EodCheckpoint) -> None:
            if checkpoint.step == hook:
                raise PowerCut(hook)

        with pytest.raises(PowerCut):
            run_eod(actor=BATCH_ACTOR, partitions=partitions, on_checkpoint=power_cut)
        assert EodRun.objects.get(business_date=START + dt.timedelta(days=index)).status == (
            EodRun.Status.FAILED
        )
        run_eod(actor=BATCH_ACTOR)
        self.log.power_cuts.append(hook)

    # --- the borrower's and the collector's day --------------------------------------------

    def morning(self, index: int, today: dt.date) -> None:
        for planned in self.book:
            if planned.draw_day == index:
                customer_id = self.customers[planned.customer].public_id
                planned.loan = h.draw_and_disburse(
                    planned,
                    line_id=self.lines[(planned.customer, planned.product)],
                    customer_id=customer_id,
                    on=today,
                    capture=self.capture,
                )
        loans = Loan.objects.in_bulk(self.loan_pks)
        for planned in self.drawn:
            loan = loans[planned.loan.pk]
            if planned.behaviour == h.OK:
                continue
            if planned.behaviour in (h.KEEPS_PROMISE, h.BREAKS_PROMISE):
                self.promise_or_pay(planned, loan, today)
            elif planned.behaviour in (h.PAYS_ON_DUE_DATE, h.PAYS_HALF):
                left = h.unpaid_instalment_due(planned, today)
                if left:
                    amount = left if planned.behaviour == h.PAYS_ON_DUE_DATE else left // 2
                    h.pay_by_hand(planned, on=today, amount=amount)
                    self.log.paid_by_hand[planned.name] += 1
            elif planned.behaviour == h.PAYS_EARLY:
                left = h.unpaid_instalment_due(planned, today + dt.timedelta(days=2))
                if left and loan.unapplied_balance == 0:
                    h.pay_by_hand(planned, on=today, amount=left)
                    self.log.paid_by_hand[planned.name] += 1
            elif planned.behaviour == h.RELAPSES and loan.dpd == h.RELAPSE_PAYS_AT_DPD:
                h.pay_by_hand(planned, on=today)
                self.log.paid_by_hand[planned.name] += 1
            elif planned.behaviour == h.CATCHES_UP and loan.dpd == CATCH_UP_AT_DPD:
                h.pay_by_hand(planned, on=today, amount=h.oldest_arrears_payment(planned))
                self.log.paid_by_hand[planned.name] += 1
            elif planned.behaviour == h.SETTLES_LATE and planned.cured_on is None:
                if loan.next_due_date is None and today == loan.maturity_date + dt.timedelta(
                    days=h.SETTLE_DAYS_AFTER_MATURITY
                ):
                    h.pay_by_hand(planned, on=today)
                    planned.cured_on = today
            elif planned.behaviour == h.CURES and not planned.cured_on and loan.dpd == CURE_AT_DPD:
                h.pay_by_hand(planned, on=today)
                planned.cured_on = today

    def promise_or_pay(self, planned: h.BookLoan, loan: Loan, today: dt.date) -> None:
        promise = self.promises.get(planned.name)
        if promise is None and loan.dpd == PROMISE_AT_DPD:
            case = self.open_case(planned)
            assert case.collector_id == self.collector.user_pk, "end of day assigns the case"
            self.promises[planned.name] = make_promise(
                actor=self.collector,
                case_id=case.public_id,
                amount=h.overdue_total(loan),
                due_date=today + dt.timedelta(days=PROMISE_DAYS),
            )
        elif (
            promise is not None
            and planned.behaviour == h.KEEPS_PROMISE
            and today == promise.due_date
        ):
            h.pay_by_hand(planned, on=today)
            planned.cured_on = today

    # --- checks after end of day D --------------------------------------------------------

    def check_auto_debit_orders(self, day: dt.date, falling_due: set[str]) -> list[PaymentOrder]:
        """(b) one order per loan falling due, for its overdue instalments and penalty."""
        orders = list(PaymentOrder.objects.filter(kind=AUTO_DEBIT, purpose_key=f"auto_debit:{day}"))
        assert sorted(o.loan_id for o in orders) == sorted(falling_due), day
        for order in orders:
            loan = Loan.objects.get(public_id=order.loan_id)
            unpaid = sum(
                i.principal + i.interest - i.paid_principal - i.paid_interest
                for i in Instalment.objects.filter(
                    loan=loan, due_date__lte=day, status=Instalment.Status.DUE
                )
            )
            assert order.amount == unpaid + loan.penalty_receivable, (day, order.loan_id)
            assert order.status == PaymentOrder.Status.CREATED, (day, order.status)
            assert order.business_date == day
        self.expected_orders += len(orders)
        per_loan_and_day = Counter(
            PaymentOrder.objects.filter(kind=AUTO_DEBIT).values_list("loan_id", "purpose_key")
        )
        assert max(per_loan_and_day.values(), default=1) == 1, "an auto-debit sent twice"
        assert sum(per_loan_and_day.values()) == self.expected_orders, day
        return orders

    def check_messages(self, day: dt.date) -> None:
        """(a) reminders and overdue notices: exactly the expected ones, each once, the
        reminders for the amount left to pay."""
        reminders = h.expected_reminders(day, self.loan_pks)
        notices = h.expected_notices(self.loan_pks)
        self.expected_messages |= set(reminders) | set(notices)
        written = dict(
            Message.objects.filter(dedupe_key__regex=r"^(reminder|overdue):").values_list(
                "dedupe_key", "variables"
            )
        )
        missing = self.expected_messages - set(written)
        unexpected = set(written) - self.expected_messages
        assert not missing and not unexpected, (day, sorted(missing), sorted(unexpected))
        amounts = {key: written[key]["amount"] for key in reminders}
        assert amounts == reminders, (day, amounts, reminders)
        for key, variables in notices.items():
            assert {name: written[key][name] for name in variables} == variables, (day, key)
        written_reminders = [key for key in written if key.startswith("reminder:")]
        assert h.reminder_duplicates(written_reminders) == {}, day
        self.log.reminders = len(written_reminders)
        self.log.notices = len(written) - len(written_reminders)

    def check_cases(self, day: dt.date) -> None:
        """(c) open cases = loans past due, in the bucket of their dpd, each entry into a
        bucket in the case's history; the cases of loans no longer past due closed today."""
        names = {planned.loan.pk: planned.name for planned in self.drawn}
        past_due = {
            loan.public_id: case_bucket(loan.dpd)
            for loan in Loan.objects.filter(pk__in=self.loan_pks)
            if loan.status == Loan.Status.ACTIVE and loan.dpd >= 1
        }
        open_cases = list(
            CollectionCase.objects.filter(status=CollectionCase.Status.OPEN).select_related("loan")
        )
        held = {case.loan.public_id: case.bucket for case in open_cases}
        assert len(held) == len(open_cases), (day, "two open cases for one loan")
        assert held == past_due, day
        for case in open_cases:
            before = self.held_yesterday.get(case.loan.public_id, "")
            if not before:
                assert case.opened_on == day, (day, "a case opened late")
                assert case.opening_overdue == h.overdue_total(case.loan), day
            if before != case.bucket:
                entry = BucketChange.objects.get(case=case, business_date=day)
                assert (entry.from_bucket, entry.to_bucket) == (before, case.bucket), day
                assert case.bucket_entered_on == day
            self.log.buckets.setdefault(names[case.loan_id], set()).add(case.bucket)
            self.log.trail.setdefault(names[case.loan_id], []).append(case.bucket)
        gone = set(self.held_yesterday) - set(held)
        for loan_id in gone:
            case = CollectionCase.objects.get(loan__public_id=loan_id, closed_on=day)
            loan = Loan.objects.get(public_id=loan_id)
            reason = "cured" if loan.status == Loan.Status.ACTIVE else loan.status
            assert (case.status, case.close_reason) == ("closed", reason), (day, loan_id)
            self.log.closed.setdefault(names[loan.pk], []).append((day, case.close_reason))
        closed_today = CollectionCase.objects.filter(closed_on=day)
        assert set(closed_today.values_list("loan__public_id", flat=True)) == gone, day
        self.held_yesterday = held

    def check_promises(self, day: dt.date) -> None:
        """(d) pending until their date; kept on it if paid; broken when the grace days after
        it (a debit ordered on the date posts the next day) passed unpaid."""
        grace = dt.timedelta(days=promise_grace_days())
        for name, made in self.promises.items():
            promise = PromiseToPay.objects.get(pk=made.pk)
            behaviour = next(p.behaviour for p in self.book if p.name == name)
            judged = promise.due_date if behaviour == h.KEEPS_PROMISE else promise.due_date + grace
            if day < judged:
                assert promise.status == PromiseToPay.Status.PENDING, (day, name)
                continue
            wanted = "kept" if behaviour == h.KEEPS_PROMISE else "broken"
            assert (promise.status, promise.judged_on) == (wanted, judged), (day, name)

    def check_books(self, label: str) -> None:
        """(e) sub-ledger = general ledger per product and account; debits = credits."""
        result = reconcile()
        assert result.ok, (label, [row.as_reply() for row in result.breaks])
        assert trial_balance().balanced, label

    # --- the bank's answer on D + 1 --------------------------------------------------------

    def settle_auto_debits(self, day: dt.date, orders: list[PaymentOrder]) -> None:
        """Tell the simulated bank each order's fate, run the sweep, check what was posted."""
        planned_of = self.by_public_id()
        for order in orders:
            simulator.instruct(order.public_id, planned_of[order.loan_id].debit_outcome())
        process_orders()  # sends; the bank calls back at once (unless it never does)
        process_orders(now=timezone.now() + QUERY_AFTER)  # asks about the unanswered ones
        for order in orders:
            order.refresh_from_db()
            instalment = Instalment.objects.get(
                loan__public_id=order.loan_id, due_date=day, status__in=h.PAID_OR_OPEN
            )
            posted = LoanTransaction.objects.filter(source_ref=order.public_id)
            loan = Loan.objects.get(public_id=order.loan_id)
            if planned_of[order.loan_id].debit_outcome() != bank_rules.FAIL:
                assert order.status == PaymentOrder.Status.SUCCEEDED, (day, order.failure_code)
                txn = posted.get()
                assert (txn.kind, txn.amount, txn.public_id) == (
                    LoanTransaction.Kind.REPAYMENT,
                    order.amount,
                    order.posted_ref,
                ), day
                assert txn.business_date == day + dt.timedelta(days=1)
                assert instalment.status == Instalment.Status.PAID, (day, order.loan_id)
                assert h.overdue_total(loan) == 0 and loan.oldest_unpaid_due_date is None
            else:
                assert order.status == PaymentOrder.Status.FAILED, day
                assert not posted.exists(), day
                assert instalment.status == Instalment.Status.DUE, (day, order.loan_id)
                assert h.overdue_total(loan) > 0
            self.log.auto_debits[order.status] += 1
            if order.status == PaymentOrder.Status.SUCCEEDED:
                self.log.bank_answers[planned_of[order.loan_id].bank] += 1
        paid_off = Loan.objects.filter(pk__in=self.loan_pks, status=Loan.Status.PAID_OFF)
        names = {planned.loan.pk: planned.name for planned in self.drawn}
        self.log.paid_off = {names[pk] for pk in paid_off.values_list("pk", flat=True)}


@pytest.mark.slow
@pytest.mark.django_db
def test_120_business_days_of_reminders_debits_cases_promises_and_ledger(
    payments_settings, django_user_model, django_capture_on_commit_callbacks
):
    book = Servicing(django_user_model, django_capture_on_commit_callbacks)
    for index in range(DAYS):
        book.run_day(index)

    assert get_business_date() == START + dt.timedelta(days=DAYS)
    chain = verify_audit_chain()
    assert chain.ok, chain.first_broken

    # The scenario really happened (a quiet book would pass every daily check).
    log = book.log
    assert {name: h.squeeze(trail) for name, trail in log.trail.items()} == {
        "defaults_ep10": ["M1", "M2", "M3"],
        "breaks_if3": ["M1", "M2", "M3"],
        "cures_if5": ["M1", "M2"],
        "keeps_ep3": ["M1"],
        "catches_up_ei10": ["M1", "M2", "M1", "M2", "M1"],  # back to M1 after each catch-up
        "settles_late_ei3": ["M1", "M2", "M3"],
        "relapses_ep5": ["M1"],  # three cases, each closed five days after it opened
    }
    cured_on = {p.name: p.cured_on for p in book.book if p.cured_on}
    assert cured_on["keeps_ep3"] == book.promises["keeps_ep3"].due_date
    relapses = next(p for p in book.book if p.name == "relapses_ep5").loan
    relapse_cures = [  # paid the morning after the end of day that made it 5 days past due
        (due + dt.timedelta(days=h.RELAPSE_PAYS_AT_DPD + 1), "cured")
        for due in Instalment.objects.filter(loan=relapses, due_date__lt=get_business_date())
        .order_by("number")
        .values_list("due_date", flat=True)
    ]
    assert len(relapse_cures) == 3
    assert log.closed == {
        "relapses_ep5": relapse_cures,
        **{
            name: [(day, "paid_off" if name == "settles_late_ei3" else "cured")]
            for name, day in cured_on.items()
        },
    }
    promises = {name: PromiseToPay.objects.get(pk=p.pk) for name, p in book.promises.items()}
    assert {name: p.status for name, p in promises.items()} == {
        "keeps_ep3": "kept",
        "breaks_if3": "broken",
    }
    assert {"ok_ei3_payoff", "ok_bullet3", "keeps_ep3", "settles_late_ei3"} <= log.paid_off
    # 18 = every due date of the seven loans whose debits fail until (if ever) cured by hand.
    assert log.auto_debits == {"succeeded": 30, "failed": 18}
    assert set(log.bank_answers) == {"succeed", "duplicate", "timeout", "silent"}
    assert sorted(set(log.power_cuts)) == sorted(CUT_AFTER_HOOKS)
    assert log.paid_by_hand == {
        "self_pays_ei5": 3,
        "half_pays_ep5": 3,
        "catches_up_ei10": 2,
        "relapses_ep5": 3,
    }
    # SMS + inbox: six loans reached 1 and 7 days past due, one reached 1 day three times.
    assert log.notices == 6 * 2 * 2 + 3 * 2
    assert {len(run.partitions) for run in EodRun.objects.all()} == {1, 2, 3}
    assert log.reminders > 250


# A borrower who pays an instalment two days before it falls due, next to one who does not.
PAYS_AHEAD = (
    h.BookLoan("ok_ei5", 0, "WLD", 1_200_000, 5, "equal_instalment", 0),
    h.BookLoan("early_ei5", 1, "WLD", 1_000_000, 5, "equal_instalment", 0, h.PAYS_EARLY),
)
FIRST_DUE = dt.date(2026, 4, 2)
PAYS_AHEAD_DAYS = (FIRST_DUE - START).days + 1  # through end of day of the first due date


def early_payer(book: Servicing) -> Loan:
    return book.fresh(next(p for p in book.book if p.name == "early_ei5"))


@pytest.mark.slow
@pytest.mark.django_db
def test_money_paid_before_the_due_date_is_applied_on_it_and_not_debited(
    payments_settings, django_user_model, django_capture_on_commit_callbacks
):
    book = Servicing(
        django_user_model, django_capture_on_commit_callbacks, PAYS_AHEAD, check_messages=False
    )
    for index in range(PAYS_AHEAD_DAYS):
        book.run_day(index)
    loan = early_payer(book)
    first = Instalment.objects.get(loan=loan, number=1)
    assert (first.due_date, first.status, loan.unapplied_balance, loan.dpd) == (
        FIRST_DUE, Instalment.Status.PAID, 0, 0,
    )  # fmt: skip
    assert LoanTransaction.objects.filter(
        loan=loan, kind=LoanTransaction.Kind.UNAPPLIED_APPLIED, business_date=FIRST_DUE
    ).exists()
    debited = PaymentOrder.objects.filter(kind=AUTO_DEBIT, business_date=FIRST_DUE)
    assert list(debited.values_list("loan_id", flat=True)) == [book.book[0].public_id]
    assert not CollectionCase.objects.exists()
    assert book.log.paid_by_hand == {"early_ei5": 1}


@pytest.mark.slow
@pytest.mark.django_db
def test_a_borrower_who_paid_ahead_is_not_reminded_to_pay_again(
    payments_settings, django_user_model, django_capture_on_commit_callbacks
):
    book = Servicing(
        django_user_model, django_capture_on_commit_callbacks, PAYS_AHEAD, check_messages=False
    )
    for index in range(PAYS_AHEAD_DAYS):
        book.run_day(index)
    reminded = {
        key.split("#")[0].rsplit(":", 1)[1]: variables["amount"]
        for key, variables in Message.objects.filter(
            dedupe_key__startswith=f"reminder:{early_payer(book).public_id}:1:"
        ).values_list("dedupe_key", "variables")
    }
    paid = Instalment.objects.get(loan=early_payer(book), number=1)
    # Reminded three days before (it had not paid yet), then never again: it had paid.
    assert reminded == {"3": paid.principal + paid.interest}
