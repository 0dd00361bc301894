"""Properties over random histories: whatever valid postings and reversals happen, the trial
balance balances, each reversal nets its entry to zero, and balances match a plain model. Only
manual entries are reversed here (an entry a sub-ledger owns is refused and changes nothing),
and a manual entry never touches the loan sub-ledger's control accounts."""

import datetime as dt
from collections import defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microloan.kernel.errors import Conflict, ValidationFailed
from microloan.ledger import accounts as gl
from microloan.ledger.domain import EntryDraft, LineDraft
from microloan.ledger.models import JournalLine
from microloan.ledger.services import (
    account_balances,
    gl_balances_by_loan,
    post_entries_bulk,
    post_entry,
    post_manual_entry,
    reverse_entry,
    trial_balance,
)

from .helpers import TODAY

pytestmark = pytest.mark.django_db

CODES = [spec.code for spec in gl.CHART]
SIDES = {spec.code: spec.normal_side for spec in gl.CHART}
LOANS = ["loan_a", "loan_b", None]


@st.composite
def balanced_lines(draw):
    """One to three debits and one to three credits over random accounts with equal totals."""
    debits = draw(st.lists(st.integers(1, 10**7), min_size=1, max_size=3))
    total = sum(debits)
    credit_count = draw(st.integers(1, min(3, total)))
    cuts = (
        sorted(
            draw(
                st.sets(
                    st.integers(1, total - 1), min_size=credit_count - 1, max_size=credit_count - 1
                )
            )
        )
        if total > 1
        else []
    )
    credits = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    account = st.sampled_from(CODES)
    return [LineDraft(draw(account), debit=a) for a in debits] + [
        LineDraft(draw(account), credit=a) for a in credits
    ]


posting = st.builds(
    lambda lines, day, loan, kind: ("post", lines, day, loan, kind),
    balanced_lines(),
    st.integers(0, 5),
    st.sampled_from(LOANS),
    st.sampled_from(["fee", "manual"]),
)
bulk = st.builds(lambda batch: ("bulk", batch), st.lists(balanced_lines(), min_size=1, max_size=3))
reversal = st.builds(lambda pick: ("reverse", pick), st.integers(0, 10**6))
histories = st.lists(st.one_of(posting, bulk, reversal), min_size=1, max_size=12)


def expected_balance(lines):
    net = defaultdict(int)
    for line in lines:
        net[line.account] += line.debit - line.credit
    return net


def normal(code, net):
    return net if SIDES[code] == gl.DEBIT else -net


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories)
def test_random_postings_and_reversals_keep_the_ledger_balanced(today, system, history):
    with transaction.atomic():
        posted = []  # (entry, lines)
        reversible = []
        model_lines = []  # what the ledger should hold, as (account, debit, credit, loan)
        for step in history:
            if step[0] == "post":
                _kind, lines, day, loan, entry_type = step
                fields = {
                    "business_date": TODAY - dt.timedelta(days=day),
                    "lines": lines,
                    "loan_id": loan,
                }
                if entry_type == "fee":
                    entry = post_entry(actor=system, entry_type="fee", **fields)
                elif any(ln.account in gl.LOAN_SUBLEDGER_ACCOUNTS for ln in lines):
                    with pytest.raises(ValidationFailed) as refused:
                        post_manual_entry(actor=system, description="test", **fields)
                    assert refused.value.code == "account_owned_by_subledger"
                    continue
                else:
                    entry = post_manual_entry(actor=system, description="test", **fields)
                posted.append((entry, lines))
                reversible.append(len(posted) - 1)
                model_lines += [(ln, loan) for ln in lines]
            elif step[0] == "bulk":
                drafts = [
                    EntryDraft.of(entry_type="interest_accrual", business_date=TODAY, lines=lines)
                    for lines in step[1]
                ]
                assert post_entries_bulk(actor=system, drafts=drafts) == len(drafts)
                model_lines += [(ln, None) for lines in step[1] for ln in lines]
            elif reversible:
                index = reversible.pop(step[1] % len(reversible))
                original, lines = posted[index]
                if original.entry_type != "manual":
                    with pytest.raises(Conflict) as refused:
                        reverse_entry(
                            actor=system,
                            entry_id=original.public_id,
                            business_date=TODAY,
                            reason="test",
                        )
                    assert refused.value.fields["owner"] == "lending"
                    continue
                undo = reverse_entry(
                    actor=system, entry_id=original.public_id, business_date=TODAY, reason="test"
                )
                pair = JournalLine.objects.filter(entry__in=[original, undo])
                net = defaultdict(int)
                for account, debit, credit in pair.values_list("account_id", "debit", "credit"):
                    net[account] += debit - credit
                assert set(net.values()) == {0}
                model_lines += [(ln.swapped(), original.loan_id) for ln in lines]

        report = trial_balance()
        assert report.balanced
        assert report.total_debit == sum(ln.debit for ln, _loan in model_lines)
        net = expected_balance(ln for ln, _loan in model_lines)
        assert account_balances() == {code: normal(code, net[code]) for code in CODES}
        by_loan = gl_balances_by_loan(account_codes=CODES)
        for loan in ("loan_a", "loan_b"):
            loan_net = expected_balance(ln for ln, owner in model_lines if owner == loan)
            expected = {code: normal(code, amount) for code, amount in loan_net.items() if amount}
            actual = {code: amount for code, amount in by_loan.get(loan, {}).items() if amount}
            assert actual == expected
        transaction.set_rollback(True)
