"""Pure double-entry rules: what a postable entry is, and how balances are read.

No ORM, no clock. ``validate_entry`` refuses anything that is not a balanced entry of
one-sided, positive lines on known accounts, with a stable ``code`` and the field path of the
first problem (``lines.2.debit``), so the API can answer 422 with the field.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import ValidationFailed
from microloan.kernel.money import to_yuan_str

from .accounts import CHART_BY_CODE, DEBIT

# One line at most 10^13 yuan: any realistic sum of lines still fits a signed 64-bit column.
MAX_LINE_AMOUNT = 10**15
MAX_LINES = 1000
DESCRIPTION_MAX_LENGTH = 500
REF_MAX_LENGTH = 40  # loan ids and product codes
SOURCE_REF_MAX_LENGTH = 200


class EntryType:
    """What kind of business event an entry records."""

    DISBURSEMENT = "disbursement"
    REPAYMENT = "repayment"
    PREPAYMENT = "prepayment"
    PAYOFF = "payoff"
    UNAPPLIED_APPLIED = "unapplied_applied"
    INTEREST_ACCRUAL = "interest_accrual"
    PENALTY_ACCRUAL = "penalty_accrual"
    FEE = "fee"
    REFUND = "refund"
    WRITE_OFF = "write_off"
    PROVISION = "provision"
    RESTRUCTURE = "restructure"
    OPENING_BALANCE = "opening_balance"
    MANUAL = "manual"
    REVERSAL = "reversal"

    CHOICES = (
        (DISBURSEMENT, _("Disbursement")),
        (REPAYMENT, _("Repayment")),
        (PREPAYMENT, _("Prepayment")),
        (PAYOFF, _("Payoff")),
        (UNAPPLIED_APPLIED, _("Unapplied receipts applied")),
        (INTEREST_ACCRUAL, _("Interest accrual")),
        (PENALTY_ACCRUAL, _("Penalty interest accrual")),
        (FEE, _("Fee")),
        (REFUND, _("Refund")),
        (WRITE_OFF, _("Write-off")),
        (PROVISION, _("Loan loss provision")),
        (RESTRUCTURE, _("Restructuring")),
        (OPENING_BALANCE, _("Opening balance")),
        (MANUAL, _("Manual entry")),
        (REVERSAL, _("Reversal")),
    )
    ALL = frozenset(value for value, _label in CHOICES)
    # Only their own services post these: a manual entry is permission-checked and audited, a
    # reversal is linked to the entry it reverses.
    RESERVED = frozenset({MANUAL, REVERSAL})

    @classmethod
    def owner(cls, entry_type: str) -> str | None:
        """The sub-ledger an entry of ``entry_type`` belongs to (None: the ledger's own).

        Every loan event, and end of day's accruals and provisions, mirror balances the loan
        sub-ledger holds: reversing them here alone would split the two books, so only the
        owner may undo them (through its own services, which change the loan too)."""
        if entry_type in (cls.MANUAL, cls.REVERSAL):
            return None
        if entry_type == cls.OPENING_BALANCE:
            return "migration"
        return "lending"


@dataclass(frozen=True)
class LineDraft:
    """One line to post: ``debit`` or ``credit`` in fen, the other 0.

    ``loan_id`` / ``product_code`` left as None take the entry's values when posted.
    """

    account: str
    debit: int = 0
    credit: int = 0
    loan_id: str | None = None
    product_code: str | None = None

    @classmethod
    def coerce(cls, line: LineDraft | Mapping[str, Any]) -> LineDraft:
        """Accept a ``LineDraft`` or a mapping such as ``{"account": "1301", "debit": 100}``."""
        if isinstance(line, LineDraft):
            return line
        if not isinstance(line, Mapping):
            raise TypeError(f"a journal line must be a LineDraft or a mapping, got {line!r}")
        return cls(**line)

    @property
    def signed_amount(self) -> int:
        """Debit positive, credit negative."""
        return self.debit - self.credit

    def swapped(self) -> LineDraft:
        return LineDraft(self.account, self.credit, self.debit, self.loan_id, self.product_code)


@dataclass(frozen=True)
class EntryDraft:
    """An entry ready to post: the input of ``post_entries_bulk``."""

    entry_type: str
    business_date: dt.date
    lines: tuple[LineDraft, ...]
    description: str = ""
    loan_id: str | None = None
    product_code: str | None = None
    source_ref: str | None = None

    @classmethod
    def of(
        cls,
        *,
        entry_type: str,
        business_date: dt.date,
        lines: Iterable[LineDraft | Mapping[str, Any]],
        description: str = "",
        loan_id: str | None = None,
        product_code: str | None = None,
        source_ref: str | None = None,
    ) -> EntryDraft:
        """A draft whose lines carry the entry's loan and product wherever they name none."""
        drafts = []
        for line in lines:
            line = LineDraft.coerce(line)
            drafts.append(
                LineDraft(
                    line.account,
                    line.debit,
                    line.credit,
                    line.loan_id if line.loan_id is not None else loan_id,
                    line.product_code if line.product_code is not None else product_code,
                )
            )
        return cls(
            entry_type=entry_type,
            business_date=business_date,
            lines=tuple(drafts),
            description=description,
            loan_id=loan_id,
            product_code=product_code,
            source_ref=source_ref,
        )

    @property
    def total(self) -> int:
        return sum(line.debit for line in self.lines)

    def signature(self) -> tuple:
        return posting_signature(
            self.entry_type,
            self.business_date,
            ((ln.account, ln.debit, ln.credit, ln.loan_id, ln.product_code) for ln in self.lines),
        )


def posting_signature(entry_type: str, business_date: dt.date, lines: Iterable[tuple]) -> tuple:
    """What makes a re-posting the same posting: type, date, and the lines as a multiset of
    (account, debit, credit, loan_id, product_code). The description may differ."""
    return entry_type, business_date, frozenset(Counter(lines).items())


def _is_amount(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _line_problem(line: LineDraft, known_accounts: Collection[str]) -> tuple[str, str, Any] | None:
    """(code, field suffix, message) of the first thing wrong with one line, or None."""
    if line.account not in known_accounts:
        return (
            "unknown_account",
            "account",
            _("Unknown account '%(code)s'.") % {"code": str(line.account)[:20]},
        )
    for side in ("debit", "credit"):
        amount = getattr(line, side)
        if not _is_amount(amount):
            return "invalid_amount", side, _("Amounts are whole numbers of fen.")
        if amount < 0:
            return "negative_amount", side, _("Amounts may not be negative.")
        if amount > MAX_LINE_AMOUNT:
            return "amount_too_large", side, _("Amount is too large.")
    if line.debit and line.credit:
        return "two_sided_line", "", _("A line is either a debit or a credit, not both.")
    if not line.debit and not line.credit:
        return "zero_line", "", _("A line must carry an amount.")
    for name in ("loan_id", "product_code"):
        value = getattr(line, name)
        if value is not None and (not isinstance(value, str) or len(value) > REF_MAX_LENGTH):
            return "validation_failed", name, _("At most %(n)s characters.") % {"n": REF_MAX_LENGTH}
    return None


def validate_balanced(
    lines: Iterable[LineDraft | Mapping[str, Any]],
    *,
    known_accounts: Collection[str] = CHART_BY_CODE.keys(),
    field_prefix: str = "",
) -> tuple[LineDraft, ...]:
    """The lines, if they form a postable entry; else ``ValidationFailed`` with a stable code.

    Codes: ``empty_entry``, ``too_many_lines``, ``unknown_account``, ``invalid_amount``,
    ``negative_amount``, ``amount_too_large``, ``two_sided_line``, ``zero_line``,
    ``unbalanced_entry``.
    """
    drafts = tuple(LineDraft.coerce(line) for line in lines)
    where = f"{field_prefix}lines"
    if not drafts:
        raise ValidationFailed(
            _("An entry needs at least one debit and one credit line."),
            code="empty_entry",
            fields={where: _("At least two lines are needed.")},
        )
    if len(drafts) > MAX_LINES:
        raise ValidationFailed(
            code="too_many_lines",
            fields={where: _("At most %(n)s lines.") % {"n": MAX_LINES}},
        )
    for index, line in enumerate(drafts):
        problem = _line_problem(line, known_accounts)
        if problem:
            code, suffix, message = problem
            path = f"{where}.{index}" + (f".{suffix}" if suffix else "")
            raise ValidationFailed(code=code, fields={path: message})
    debits = sum(line.debit for line in drafts)
    credits = sum(line.credit for line in drafts)
    if debits != credits:
        raise ValidationFailed(
            _("Debits and credits must be equal."),
            code="unbalanced_entry",
            fields={
                where: _("Debits %(debits)s ≠ credits %(credits)s.")
                % {"debits": to_yuan_str(debits), "credits": to_yuan_str(credits)}
            },
        )
    return drafts


def _text_problem(value: Any, max_length: int, *, required: bool = False) -> Any:
    if value is None:
        return _("This field is required.") if required else None
    if not isinstance(value, str):
        return _("Must be a string.")
    if required and not value.strip():
        return _("Must not be empty.")
    if len(value) > max_length:
        return _("At most %(n)s characters.") % {"n": max_length}
    return None


def validate_entry(
    draft: EntryDraft,
    *,
    known_accounts: Collection[str] = CHART_BY_CODE.keys(),
    field_prefix: str = "",
) -> None:
    """Refuse a draft whose header or lines are not postable (see ``validate_balanced``)."""
    if draft.entry_type not in EntryType.ALL:
        raise ValidationFailed(
            code="unknown_entry_type",
            fields={f"{field_prefix}entry_type": _("Unknown entry type.")},
        )
    if not isinstance(draft.business_date, dt.date) or isinstance(draft.business_date, dt.datetime):
        raise ValidationFailed(
            fields={f"{field_prefix}business_date": _("Must be a date (YYYY-MM-DD).")}
        )
    texts = {
        "description": _text_problem(draft.description, DESCRIPTION_MAX_LENGTH, required=True)
        if draft.entry_type in EntryType.RESERVED
        else _text_problem(draft.description or "", DESCRIPTION_MAX_LENGTH),
        "loan_id": _text_problem(draft.loan_id, REF_MAX_LENGTH),
        "product_code": _text_problem(draft.product_code, REF_MAX_LENGTH),
        "source_ref": _text_problem(draft.source_ref, SOURCE_REF_MAX_LENGTH),
    }
    problems = {f"{field_prefix}{name}": msg for name, msg in texts.items() if msg is not None}
    if problems:
        raise ValidationFailed(fields=problems)
    validate_balanced(draft.lines, known_accounts=known_accounts, field_prefix=field_prefix)


def reversal_lines(lines: Iterable[LineDraft]) -> tuple[LineDraft, ...]:
    """The lines that undo ``lines``: same accounts and amounts, sides swapped."""
    return tuple(line.swapped() for line in lines)


def normal_balance(normal_side: str, debit: int, credit: int) -> int:
    """The balance read on the account's normal side: positive when it holds what it should
    (an asset's debit balance, a liability's or contra-asset's credit balance)."""
    return debit - credit if normal_side == DEBIT else credit - debit
