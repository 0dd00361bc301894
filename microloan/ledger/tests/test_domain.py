"""Pure rules: which entries may be posted, and how balances are read. No database."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microloan.kernel.errors import ValidationFailed
from microloan.ledger import accounts as gl
from microloan.ledger.domain import (
    MAX_LINE_AMOUNT,
    EntryDraft,
    EntryType,
    LineDraft,
    normal_balance,
    reversal_lines,
    validate_balanced,
    validate_entry,
)

DR, CR = gl.LOANS_PRINCIPAL, gl.BANK_CLEARING


def line(account=DR, debit=0, credit=0):
    return {"account": account, "debit": debit, "credit": credit}


@pytest.mark.parametrize(
    ("lines", "code", "field"),
    [
        ([], "empty_entry", "lines"),
        ([line(DR, 100), line(CR, 0, 90)], "unbalanced_entry", "lines"),
        ([line(DR, 100)], "unbalanced_entry", "lines"),
        ([line(DR, -100), line(CR, 0, -100)], "negative_amount", "lines.0.debit"),
        ([line(DR, 100), line(CR, 0, -5), line(CR, 0, 105)], "negative_amount", "lines.1.credit"),
        ([line(DR, 0, 0), line(DR, 100), line(CR, 0, 100)], "zero_line", "lines.0"),
        ([line(DR, 100, 100), line(CR, 0, 0)], "two_sided_line", "lines.0"),
        ([line(DR, 100), line("9999", 0, 100)], "unknown_account", "lines.1.account"),
        ([line(DR, 1.5), line(CR, 0, 1.5)], "invalid_amount", "lines.0.debit"),
        ([line(DR, True), line(CR, 0, 1)], "invalid_amount", "lines.0.debit"),
        ([line(DR, "100"), line(CR, 0, 100)], "invalid_amount", "lines.0.debit"),
        (
            [line(DR, MAX_LINE_AMOUNT + 1), line(CR, 0, MAX_LINE_AMOUNT + 1)],
            "amount_too_large",
            "lines.0.debit",
        ),
        (
            [{**line(DR, 100), "loan_id": "x" * 41}, line(CR, 0, 100)],
            "validation_failed",
            "lines.0.loan_id",
        ),
    ],
)
def test_an_entry_that_is_not_postable_is_refused_with_its_code_and_field(lines, code, field):
    with pytest.raises(ValidationFailed) as refused:
        validate_balanced(lines)
    assert refused.value.code == code
    assert field in refused.value.fields
    assert refused.value.status == 422


@pytest.mark.parametrize(
    "lines",
    [
        [line(DR, 1), line(CR, 0, 1)],
        [line(gl.BANK_CLEARING, 1000), line(gl.INTEREST_RECEIVABLE, 0, 300), line(DR, 0, 700)],
        [line(DR, MAX_LINE_AMOUNT), line(CR, 0, MAX_LINE_AMOUNT)],
    ],
)
def test_a_balanced_entry_of_one_sided_lines_is_accepted(lines):
    assert len(validate_balanced(lines)) == len(lines)


def test_the_field_prefix_locates_a_problem_inside_a_batch():
    with pytest.raises(ValidationFailed) as refused:
        validate_balanced([line(DR, 5), line(CR, 0, 0)], field_prefix="drafts.7.")
    assert list(refused.value.fields) == ["drafts.7.lines.1"]


def test_known_accounts_can_be_narrowed():
    with pytest.raises(ValidationFailed) as refused:
        validate_balanced([line(DR, 5), line(CR, 0, 5)], known_accounts={DR})
    assert refused.value.code == "unknown_account"


def draft(**changes):
    fields = {
        "entry_type": EntryType.DISBURSEMENT,
        "business_date": dt.date(2026, 3, 1),
        "lines": [line(DR, 5), line(CR, 0, 5)],
        **changes,
    }
    return EntryDraft.of(**fields)


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"entry_type": "bonus"}, "unknown_entry_type", "entry_type"),
        ({"business_date": dt.datetime(2026, 3, 1, 9)}, "validation_failed", "business_date"),
        ({"business_date": "2026-03-01"}, "validation_failed", "business_date"),
        ({"description": "x" * 501}, "validation_failed", "description"),
        ({"loan_id": "x" * 41}, "validation_failed", "loan_id"),
        ({"source_ref": "r" * 201}, "validation_failed", "source_ref"),
        ({"entry_type": EntryType.MANUAL, "description": " "}, "validation_failed", "description"),
    ],
)
def test_an_entry_header_that_is_not_postable_is_refused(changes, code, field):
    with pytest.raises(ValidationFailed) as refused:
        validate_entry(draft(**changes))
    assert refused.value.code == code
    assert field in refused.value.fields


def test_lines_take_the_entrys_loan_and_product_unless_they_name_their_own():
    made = draft(
        loan_id="loan_a",
        product_code="WLD",
        lines=[
            {**line(DR, 5), "loan_id": "loan_b"},
            LineDraft(CR, credit=5, product_code="OTHER"),
        ],
    )
    assert [(ln.loan_id, ln.product_code) for ln in made.lines] == [
        ("loan_b", "WLD"),
        ("loan_a", "OTHER"),
    ]
    assert made.total == 5


def test_a_line_must_be_a_line_draft_or_a_mapping():
    with pytest.raises(TypeError):
        LineDraft.coerce(("1301", 5, 0))


@pytest.mark.parametrize(
    ("side", "debit", "credit", "balance"),
    [
        (gl.DEBIT, 100, 30, 70),
        (gl.DEBIT, 30, 100, -70),
        (gl.CREDIT, 30, 100, 70),
        (gl.CREDIT, 100, 30, -70),
    ],
)
def test_a_balance_is_read_on_the_accounts_normal_side(side, debit, credit, balance):
    assert normal_balance(side, debit, credit) == balance


@pytest.mark.parametrize(
    ("account_type", "side"),
    [
        (gl.ASSET, gl.DEBIT),
        (gl.EXPENSE, gl.DEBIT),
        (gl.LIABILITY, gl.CREDIT),
        (gl.INCOME, gl.CREDIT),
        (gl.CONTRA_ASSET, gl.CREDIT),
    ],
)
def test_each_account_type_has_its_normal_side(account_type, side):
    assert gl.NORMAL_SIDE_OF_TYPE[account_type] == side


def test_the_chart_holds_the_minimum_accounts_with_their_types():
    assert {spec.code: spec.account_type for spec in gl.CHART} == {
        "1002": "asset",
        "1301": "asset",
        "1302": "asset",
        "1303": "asset",
        "1309": "contra_asset",
        "2241": "liability",
        "6011": "income",
        "6012": "income",
        "6021": "income",
        "6701": "expense",
    }


amounts = st.integers(min_value=1, max_value=10**9)
codes = st.sampled_from([spec.code for spec in gl.CHART])


@st.composite
def balanced_lines(draw):
    """Random debits, and credits that split the same total over random accounts."""
    debits = draw(st.lists(st.tuples(codes, amounts), min_size=1, max_size=6))
    total = sum(amount for _code, amount in debits)
    cuts = sorted(draw(st.sets(st.integers(1, total - 1), max_size=5)) if total > 1 else [])
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    credits = [(draw(codes), part) for part in parts]
    lines = [LineDraft(c, debit=a) for c, a in debits] + [
        LineDraft(c, credit=a) for c, a in credits
    ]
    return draw(st.permutations(lines))


@given(balanced_lines())
def test_any_balanced_entry_is_accepted_and_so_is_its_reversal(lines):
    assert validate_balanced(lines) == tuple(lines)
    undone = reversal_lines(lines)
    validate_balanced(undone)
    net: dict[str, int] = {}
    for ln in [*lines, *undone]:
        net[ln.account] = net.get(ln.account, 0) + ln.signed_amount
    assert set(net.values()) == {0}


@given(balanced_lines(), st.integers(min_value=1, max_value=10**6), st.data())
def test_changing_one_amount_unbalances_the_entry(lines, change, data):
    index = data.draw(st.integers(0, len(lines) - 1))
    target = lines[index]
    lines = list(lines)
    lines[index] = LineDraft(
        target.account,
        target.debit + change if target.debit else 0,
        target.credit + change if target.credit else 0,
    )
    with pytest.raises(ValidationFailed) as refused:
        validate_balanced(lines)
    assert refused.value.code == "unbalanced_entry"
