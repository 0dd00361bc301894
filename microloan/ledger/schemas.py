"""API shapes of the ledger: inputs refuse unknown fields, money travels as yuan strings."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import ConfigDict

from microloan.kernel.input_types import ApiDate, PageNumber, PageSize
from microloan.kernel.money import parse_yuan, to_yuan_str
from microloan.kernel.pagination import page_of

from .accounts import ACCOUNT_CODE_MAX_LENGTH
from .domain import DESCRIPTION_MAX_LENGTH, REF_MAX_LENGTH, LineDraft
from .models import Account, JournalEntry, JournalLine
from .reports import AccountStatement, EntryPage, StatementLine, TrialBalance

MONEY_MAX_LENGTH = 24
MAX_MANUAL_LINES = 100
_MONEY_HELP = 'Yuan with at most two decimals, e.g. "1234.56".'


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class JournalLineIn(Input):
    account: str = Field(min_length=1, max_length=ACCOUNT_CODE_MAX_LENGTH)
    debit: str = Field("0.00", max_length=MONEY_MAX_LENGTH, description=_MONEY_HELP)
    credit: str = Field("0.00", max_length=MONEY_MAX_LENGTH, description=_MONEY_HELP)
    loan_id: str | None = Field(None, min_length=1, max_length=REF_MAX_LENGTH)
    product_code: str | None = Field(None, min_length=1, max_length=REF_MAX_LENGTH)

    def draft(self, index: int) -> LineDraft:
        """The line in fen; a malformed amount is ``invalid_amount`` on ``lines.<i>.debit``."""
        return LineDraft(
            account=self.account,
            debit=parse_yuan(self.debit, field=f"lines.{index}.debit"),
            credit=parse_yuan(self.credit, field=f"lines.{index}.credit"),
            loan_id=self.loan_id,
            product_code=self.product_code,
        )


class ManualEntryIn(Input):
    business_date: ApiDate | None = Field(None, description="Today's business date if omitted.")
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX_LENGTH)
    loan_id: str | None = Field(None, min_length=1, max_length=REF_MAX_LENGTH)
    product_code: str | None = Field(None, min_length=1, max_length=REF_MAX_LENGTH)
    lines: list[JournalLineIn] = Field(min_length=2, max_length=MAX_MANUAL_LINES)


class ReverseIn(Input):
    reason: str = Field(min_length=1, max_length=DESCRIPTION_MAX_LENGTH)
    business_date: ApiDate | None = Field(None, description="Today's business date if omitted.")


class EntryFilters(Schema):
    date_from: ApiDate | None = None
    date_to: ApiDate | None = None
    entry_type: str | None = Field(None, max_length=24)
    loan_id: str | None = Field(None, max_length=REF_MAX_LENGTH)
    product_code: str | None = Field(None, max_length=REF_MAX_LENGTH)
    account: str | None = Field(None, max_length=ACCOUNT_CODE_MAX_LENGTH)
    page: PageNumber = 1
    page_size: PageSize = 50


class StatementFilters(Schema):
    date_from: ApiDate
    date_to: ApiDate
    loan_id: str | None = Field(None, max_length=REF_MAX_LENGTH)
    page: PageNumber = 1
    page_size: PageSize = 100


class AccountOut(Schema):
    code: str
    name: str
    account_type: str
    normal_side: str

    @staticmethod
    def of(account: Account) -> dict:
        return {
            "code": account.code,
            "name": account.label,
            "account_type": account.account_type,
            "normal_side": account.normal_side,
        }


class JournalLineOut(Schema):
    account: str
    account_name: str
    debit: str
    credit: str
    loan_id: str | None
    product_code: str | None

    @staticmethod
    def of(line: JournalLine) -> dict:
        return {
            "account": line.account_id,
            "account_name": line.account.label,
            "debit": to_yuan_str(line.debit),
            "credit": to_yuan_str(line.credit),
            "loan_id": line.loan_id,
            "product_code": line.product_code,
        }


class EntryOut(Schema):
    public_id: str
    business_date: dt.date
    entry_type: str
    description: str
    loan_id: str | None
    product_code: str | None
    source_ref: str | None
    reverses: str | None
    reversed_by: str | None
    total: str
    created_at: dt.datetime
    created_by: str
    lines: list[JournalLineOut]

    @staticmethod
    def of(entry: JournalEntry) -> dict:
        lines = list(entry.lines.all())
        reversal = entry.reversal
        return {
            "public_id": entry.public_id,
            "business_date": entry.business_date,
            "entry_type": entry.entry_type,
            "description": entry.description,
            "loan_id": entry.loan_id,
            "product_code": entry.product_code,
            "source_ref": entry.source_ref,
            "reverses": entry.reverses.public_id if entry.reverses else None,
            "reversed_by": reversal.public_id if reversal else None,
            "total": to_yuan_str(sum(line.debit for line in lines)),
            "created_at": entry.created_at,
            "created_by": entry.created_by,
            "lines": [JournalLineOut.of(line) for line in lines],
        }


class EntryPageOut(Schema):
    items: list[EntryOut]
    total: int
    page: int
    page_size: int

    @staticmethod
    def of(page: EntryPage) -> dict:
        return page_of(page, EntryOut.of)


class TrialBalanceRowOut(Schema):
    account: str
    name: str
    account_type: str
    normal_side: str
    debit_total: str
    credit_total: str
    debit_balance: str
    credit_balance: str
    balance: str


class TrialBalanceOut(Schema):
    as_of: dt.date | None
    rows: list[TrialBalanceRowOut]
    total_debit: str
    total_credit: str
    total_debit_balance: str
    total_credit_balance: str
    balanced: bool

    @staticmethod
    def of(report: TrialBalance) -> dict:
        return {
            "as_of": report.as_of,
            "rows": [
                {
                    "account": row.code,
                    "name": row.account.label,
                    "account_type": row.account.account_type,
                    "normal_side": row.account.normal_side,
                    "debit_total": to_yuan_str(row.debit_total),
                    "credit_total": to_yuan_str(row.credit_total),
                    "debit_balance": to_yuan_str(row.debit_balance),
                    "credit_balance": to_yuan_str(row.credit_balance),
                    "balance": to_yuan_str(row.balance),
                }
                for row in report
            ],
            "total_debit": to_yuan_str(report.total_debit),
            "total_credit": to_yuan_str(report.total_credit),
            "total_debit_balance": to_yuan_str(report.total_debit_balance),
            "total_credit_balance": to_yuan_str(report.total_credit_balance),
            "balanced": report.balanced,
        }


class StatementLineOut(Schema):
    business_date: dt.date
    entry_id: str
    entry_type: str
    description: str
    loan_id: str | None
    debit: str
    credit: str
    balance: str

    @staticmethod
    def of(line: StatementLine) -> dict:
        return {
            "business_date": line.business_date,
            "entry_id": line.entry_id,
            "entry_type": line.entry_type,
            "description": line.description,
            "loan_id": line.loan_id,
            "debit": to_yuan_str(line.debit),
            "credit": to_yuan_str(line.credit),
            "balance": to_yuan_str(line.balance),
        }


class StatementOut(Schema):
    account: AccountOut
    date_from: dt.date
    date_to: dt.date
    loan_id: str | None
    opening_balance: str
    total_debit: str
    total_credit: str
    closing_balance: str
    total: int
    page: int
    page_size: int
    lines: list[StatementLineOut]

    @staticmethod
    def of(statement: AccountStatement, *, page: int, page_size: int) -> dict:
        return {
            "account": AccountOut.of(statement.account),
            "date_from": statement.date_from,
            "date_to": statement.date_to,
            "loan_id": statement.loan_id,
            "opening_balance": to_yuan_str(statement.opening_balance),
            "total_debit": to_yuan_str(statement.total_debit),
            "total_credit": to_yuan_str(statement.total_credit),
            "closing_balance": to_yuan_str(statement.closing_balance),
            "total": statement.line_count,
            "page": page,
            "page_size": page_size,
            "lines": [StatementLineOut.of(line) for line in statement.lines],
        }
