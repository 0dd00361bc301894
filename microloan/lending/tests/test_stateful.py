"""A random book of loans run through the real services and the real end of day.

Hypothesis draws sequences of drawdowns, disbursements, repayments of random amounts,
prepayments, payoffs, refunds, restructurings, write-offs, attempts to reverse a loan's entries
in the ledger (refused) and days of end of day; after every step the books must agree:

- the trial balance balances;
- the loan sub-ledger equals the general ledger, per product and in total (``reconcile``);
- bank clearing (1002) is exactly the money received less the money paid out;
- each line's ``used`` is the principal outstanding of its loans, pending ones included, and
  ``available = limit − used``;
- each active loan's balances agree with its instalments, and nothing is negative.

Each example runs inside a savepoint that is rolled back at its end.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError
from microloan.kernel.services import get_business_date
from microloan.ledger import accounts as gl
from microloan.ledger import services as ledger
from microloan.ledger.models import JournalEntry
from microloan.lending.models import CreditLine, Loan
from microloan.lending.services import (
    drawdowns,
    prepayments,
    quotes,
    reconcile,
    repayments,
    requests,
    restructure,
    writeoff,
)
from microloan.lending.services.settlement import LIVE, is_rolled

from . import helpers
from .helpers import BANK

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

METHODS = ("equal_instalment", "equal_principal", "interest_first", "bullet")
CUSTOMERS = ("cust_state_a", "cust_state_b")
EXPECTED_DRAW_REFUSALS = {"amount_above_available", "bullet_term_too_long", "line_not_active"}


class LendingBook(RuleBasedStateMachine):
    ops: Actor
    checker: Actor
    product_version = None

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.lines = [
            helpers.open_line(
                self.ops, self.product_version, customer=CUSTOMERS[0], limit=6_000_000
            ),
            helpers.open_line(
                self.ops, self.product_version, customer=CUSTOMERS[1], limit=3_000_000
            ),
        ]
        self.loans: list[str] = []
        self.money_in = 0
        self.money_out = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    def _pick(self, status: str, pick: int) -> Loan | None:
        loans = list(Loan.objects.filter(public_id__in=self.loans, status=status).order_by("id"))
        return loans[pick % len(loans)] if loans else None

    # --- rules -------------------------------------------------------------------------------

    @initialize(amounts=st.tuples(st.integers(50_000, 2_000_000), st.integers(50_000, 2_000_000)))
    def a_loan_on_each_line(self, amounts):
        for line, amount in zip(self.lines, amounts, strict=True):
            loan = helpers.active_loan(line, amount=amount, term=5)
            self.loans.append(loan.public_id)
            self.money_out += amount

    @rule(
        which=st.integers(0, 1),
        amount=st.integers(50_000, 2_000_000),
        term=st.sampled_from((5, 10, 20)),
        method=st.sampled_from(METHODS),
    )
    def draw(self, which, amount, term, method):
        line = self.lines[which]
        try:
            loan = drawdowns.drawdown(
                actor=Actor.borrower(line.customer_id),
                line_id=line.public_id,
                amount=amount,
                term_months=term,
                method=method,
            )
        except DomainError as refusal:
            assert refusal.code in EXPECTED_DRAW_REFUSALS, refusal.as_dict()
        else:
            self.loans.append(loan.public_id)

    @rule(pick=st.integers(0, 99))
    def disburse(self, pick):
        loan = self._pick(Loan.Status.PENDING_DISBURSEMENT, pick)
        if loan is not None:
            drawdowns.disburse_loan(
                actor=BANK, loan_id=loan.public_id, business_date=get_business_date()
            )
            self.money_out += loan.principal

    @rule(
        pick=st.integers(0, 99),
        amount=st.one_of(st.integers(1, 30_000), st.integers(30_000, 1_500_000)),
    )
    def repay(self, pick, amount):
        loan = self._pick(Loan.Status.ACTIVE, pick)
        if loan is not None:
            event(f"repay: {'overdue' if loan.overdue_principal else 'current'} loan")
            repayments.repay(
                actor=BANK,
                loan_id=loan.public_id,
                amount=amount,
                business_date=get_business_date(),
                source_ref=helpers.ref("state"),
            )
            self.money_in += amount

    @rule(
        pick=st.integers(0, 99),
        extra=st.integers(1, 1_000_000),
        mode=st.sampled_from((None, "shorten_term", "lower_instalment")),
    )
    def prepay(self, pick, extra, mode):
        loan = self._pick(Loan.Status.ACTIVE, pick)
        if loan is None:
            return
        amount = loan.interest_receivable + loan.penalty_receivable + loan.overdue_principal
        amount += extra
        try:
            prepayments.prepay(
                actor=BANK,
                loan_id=loan.public_id,
                amount=amount,
                business_date=get_business_date(),
                source_ref=helpers.ref("state"),
                mode=mode,
            )
        except DomainError as refusal:
            assert refusal.code in {"prepayment_too_small", "shorten_term_not_applicable"}
        else:
            self.money_in += amount

    @rule(pick=st.integers(0, 99), extra=st.integers(0, 500))
    def payoff(self, pick, extra):
        loan = self._pick(Loan.Status.ACTIVE, pick)
        if loan is None:
            return
        today = get_business_date()
        quote = quotes.payoff_quote(loan_id=loan.public_id, business_date=today)
        prepayments.payoff(
            actor=BANK,
            loan_id=loan.public_id,
            amount=quote.total + extra,
            business_date=today,
            source_ref=helpers.ref("state"),
        )
        self.money_in += quote.total + extra

    @rule(pick=st.integers(0, 99), amount=st.integers(1, 1_000_000))
    def refund(self, pick, amount):
        loans = Loan.objects.filter(public_id__in=self.loans, unapplied_balance__gt=0)
        loans = list(loans.order_by("id"))
        if loans:
            loan = loans[pick % len(loans)]
            amount = min(amount, loan.unapplied_balance)
            repayments.refund_unapplied(actor=BANK, loan_id=loan.public_id, amount=amount)
            self.money_out += amount

    @rule(pick=st.integers(0, 99))
    def write_off(self, pick):
        loan = self._pick(Loan.Status.ACTIVE, pick)
        if loan is None:
            return
        event(f"write-off: dpd {'> 0' if loan.dpd else '0'}")
        proposal = writeoff.propose_writeoff(actor=self.ops, loan_id=loan.public_id, reason="x")
        try:
            requests.approve_request(actor=self.checker, request_id=proposal.public_id)
        except DomainError as refusal:  # its held credit covers everything it owes
            assert refusal.code == "nothing_to_write_off", refusal.as_dict()
            requests.reject_request(actor=self.checker, request_id=proposal.public_id)

    @rule(
        pick=st.integers(0, 99),
        term=st.sampled_from((3, 6, 12)),
        method=st.sampled_from(METHODS),
        cut=st.sampled_from(("0", "0.0001")),
    )
    def restructure(self, pick, term, method, cut):
        loan = self._pick(Loan.Status.ACTIVE, pick)
        if loan is None:
            return
        event(f"restructure: dpd {'> 0' if loan.dpd else '0'}")
        proposal = restructure.propose_restructure(
            actor=self.ops,
            loan_id=loan.public_id,
            term_months=term,
            method=method,
            daily_rate=max(loan.daily_rate - Decimal(cut), Decimal(0)),
            reason="hardship",
        )
        try:
            requests.approve_request(actor=self.checker, request_id=proposal.public_id)
        except DomainError as refusal:  # only interest or penalty left: nothing to reschedule
            assert refusal.code == "nothing_to_restructure", refusal.as_dict()
            requests.reject_request(actor=self.checker, request_id=proposal.public_id)

    @rule(pick=st.integers(0, 10**6))
    def reverse_an_entry_in_the_ledger(self, pick):
        """The ledger's reversal route refuses a loan's entries (they belong to lending) and
        reverses a person's manual entry, so the two books never split."""
        today = get_business_date()
        manual = ledger.post_manual_entry(
            actor=BANK,
            business_date=today,
            lines=[
                {"account": gl.CREDIT_IMPAIRMENT_LOSS, "debit": 100},
                {"account": gl.FEE_INCOME, "credit": 100},
            ],
            description="state machine adjustment",
        )
        entries = list(
            JournalEntry.objects.filter(loan_id__in=self.loans)
            .order_by("id")
            .values_list("public_id", flat=True)
        )
        if entries:
            with pytest.raises(DomainError) as refused:
                ledger.reverse_entry(
                    actor=BANK,
                    entry_id=entries[pick % len(entries)],
                    business_date=today,
                    reason="x",
                )
            assert refused.value.code in ("entry_owned_by_subledger", "cannot_reverse_reversal")
        ledger.reverse_entry(actor=BANK, entry_id=manual.public_id, business_date=today, reason="x")

    @rule(days=st.sampled_from((1, 3, 10, 31)))
    def advance(self, days):
        helpers.advance(days)

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def books_agree(self):
        assert helpers.LedgerProbe().balanced()
        result = reconcile.reconcile()
        assert result.ok, [row for row in result.breaks]
        bank = helpers.LedgerProbe().balance(gl.BANK_CLEARING)
        assert bank == self.money_in - self.money_out

    @invariant()
    def lines_agree(self):
        for line in CreditLine.objects.filter(pk__in=[line.pk for line in self.lines]):
            loans = Loan.objects.filter(line=line)
            outstanding = (
                loans.filter(status=Loan.Status.ACTIVE).aggregate(s=Sum("principal_outstanding"))[
                    "s"
                ]
                or 0
            )
            pending = (
                loans.filter(status=Loan.Status.PENDING_DISBURSEMENT).aggregate(s=Sum("principal"))[
                    "s"
                ]
                or 0
            )
            assert line.used == outstanding + pending
            assert line.available == max(line.limit - line.used, 0)

    @invariant()
    def loans_agree_with_instalments(self):
        for loan in Loan.objects.filter(public_id__in=self.loans):
            balances = (
                loan.principal_outstanding,
                loan.overdue_principal,
                loan.interest_receivable,
                loan.overdue_interest,
                loan.penalty_receivable,
                loan.unapplied_balance,
            )
            assert min(balances) >= 0
            if loan.status != Loan.Status.ACTIVE:
                assert balances[:5] == (0, 0, 0, 0, 0) or loan.status == "pending_disbursement"
                continue
            live = list(loan.instalments.filter(status__in=LIVE))
            unpaid = [
                (i, i.principal - i.paid_principal, i.interest - i.paid_interest) for i in live
            ]
            assert all(p >= 0 and n >= 0 for _i, p, n in unpaid)
            assert loan.principal_outstanding == sum(p for _i, p, _n in unpaid)
            rolled = [(p, n) for i, p, n in unpaid if is_rolled(loan, i)]
            assert loan.overdue_principal == sum(p for p, _n in rolled)
            assert loan.overdue_interest == sum(n for _p, n in rolled)


def test_random_books_always_agree(ops, checker, product_version, today):
    LendingBook.ops = ops
    LendingBook.checker = checker
    LendingBook.product_version = product_version
    run_state_machine_as_test(
        LendingBook,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        ),
    )
