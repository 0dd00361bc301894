"""API shapes of lending: inputs refuse unknown fields, money travels as yuan strings, rates as
decimal strings, and every reply about a line or loan leads with its APR."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from microloan.kernel.input_types import ApiDate, BodyInt
from microloan.kernel.money import to_yuan_str
from microloan.kernel.rounding import format_percent

from .models import (
    CreditLine,
    Instalment,
    Loan,
    LoanTransaction,
    MakerCheckerRequest,
    ManualPosting,
)
from .services.queries import line_apr, loan_apr
from .services.quotes import PayoffQuote

MONEY = Field(max_length=24, description='Yuan with at most two decimals, e.g. "1234.56".')
Method = Literal["equal_instalment", "equal_principal", "interest_first", "bullet"]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class LineIn(Input):
    customer_id: str = Field(min_length=1, max_length=40)
    product_version_id: str = Field(min_length=1, max_length=40)
    limit: str = MONEY
    daily_rate: str = Field(max_length=20, description='A decimal fraction, e.g. "0.0005".')
    grade: str = Field("", max_length=2)
    opened_on: ApiDate | None = None
    reason: str = Field(min_length=1, max_length=1000)


class ReasonIn(Input):
    reason: str = Field(min_length=1, max_length=1000)


class RequestDecisionIn(Input):
    reason: str = Field("", max_length=1000)


class LimitChangeIn(Input):
    new_limit: str = MONEY
    reason: str = Field(min_length=1, max_length=1000)


class ManualPostingIn(Input):
    kind: Literal["repayment", "prepayment", "payoff"]
    amount: str = MONEY
    channel: str = Field(min_length=1, max_length=32, description="The bank or channel.")
    bank_reference: str = Field(min_length=1, max_length=64, description="The bank's reference.")
    mode: Literal["shorten_term", "lower_instalment"] | None = None
    reason: str = Field(min_length=1, max_length=1000)


class RestructureIn(Input):
    term_months: BodyInt = Field(ge=1, le=60)
    method: Method
    daily_rate: str | None = Field(None, max_length=20)
    reason: str = Field(min_length=1, max_length=1000)


class DrawdownIn(Input):
    line_id: str = Field(min_length=1, max_length=40)
    amount: str = MONEY
    term_months: BodyInt = Field(ge=1, le=60)
    method: Method


def rate_str(rate: Decimal) -> str:
    number = Decimal(rate)
    return str(number.normalize()) if number else "0"


def apr_fields(apr: Decimal) -> dict[str, str]:
    return {"apr": str(apr), "apr_percent": format_percent(apr)}


class LineOut(Schema):
    apr: str
    apr_percent: str
    daily_rate: str
    id: str
    customer_id: str
    product_code: str
    product_version_id: str
    limit: str
    used: str
    available: str
    grade: str
    status: str
    opened_on: dt.date
    expires_on: dt.date
    version: int

    @classmethod
    def of(cls, line: CreditLine) -> dict[str, Any]:
        return {
            **apr_fields(line_apr(line)),
            "daily_rate": rate_str(line.daily_rate),
            "id": line.public_id,
            "customer_id": line.customer_id,
            "product_code": line.product_version.product.code,
            "product_version_id": line.product_version.public_id,
            "limit": to_yuan_str(line.limit),
            "used": to_yuan_str(line.used),
            "available": to_yuan_str(line.available),
            "grade": line.grade,
            "status": line.status,
            "opened_on": line.opened_on,
            "expires_on": line.expires_on,
            "version": line.version,
        }


class LoanOut(Schema):
    apr: str
    apr_percent: str
    daily_rate: str
    id: str
    line_id: str
    customer_id: str
    product_code: str
    status: str
    principal: str
    method: str
    term_months: int
    start_date: dt.date | None
    maturity_date: dt.date | None
    principal_outstanding: str
    overdue_principal: str
    interest_receivable: str
    overdue_interest: str
    penalty_receivable: str
    unapplied_balance: str
    next_due_date: dt.date | None
    dpd: int
    category: str
    restructured: bool
    closed_on: dt.date | None

    @classmethod
    def of(cls, loan: Loan) -> dict[str, Any]:
        money = (
            "principal",
            "principal_outstanding",
            "overdue_principal",
            "interest_receivable",
            "overdue_interest",
            "penalty_receivable",
            "unapplied_balance",
        )
        plain = (
            "customer_id",
            "product_code",
            "status",
            "method",
            "term_months",
            "start_date",
            "maturity_date",
            "next_due_date",
            "dpd",
            "category",
            "restructured",
            "closed_on",
        )
        return {
            **apr_fields(loan_apr(loan)),
            "daily_rate": rate_str(loan.daily_rate),
            "id": loan.public_id,
            "line_id": loan.line.public_id,
            **{name: to_yuan_str(getattr(loan, name)) for name in money},
            **{name: getattr(loan, name) for name in plain},
        }


class InstalmentOut(Schema):
    number: int
    start_date: dt.date
    due_date: dt.date
    principal: str
    interest: str
    total: str
    penalty: str
    paid_principal: str
    paid_interest: str
    paid_penalty: str
    balance_after: str
    status: str
    paid_on: dt.date | None

    @classmethod
    def of(cls, row: Instalment) -> dict[str, Any]:
        money = ("principal", "interest", "total", "penalty", "paid_principal", "paid_interest")
        return {
            "number": row.number,
            "start_date": row.start_date,
            "due_date": row.due_date,
            **{name: to_yuan_str(getattr(row, name)) for name in money},
            "paid_penalty": to_yuan_str(row.paid_penalty),
            "balance_after": to_yuan_str(row.balance_after),
            "status": row.status,
            "paid_on": row.paid_on,
        }


class ScheduleOut(Schema):
    apr: str
    apr_percent: str
    daily_rate: str
    loan_id: str
    instalments: list[InstalmentOut]

    @classmethod
    def of(cls, loan: Loan, rows: list[Instalment]) -> dict[str, Any]:
        return {
            **apr_fields(loan_apr(loan)),
            "daily_rate": rate_str(loan.daily_rate),
            "loan_id": loan.public_id,
            "instalments": [InstalmentOut.of(row) for row in rows],
        }


class TransactionOut(Schema):
    id: str
    loan_id: str
    kind: str
    business_date: dt.date
    amount: str
    principal: str
    interest: str
    penalty: str
    fee: str
    unapplied: str
    journal_entry_id: str
    created_at: dt.datetime

    @classmethod
    def of(cls, txn: LoanTransaction, loan: Loan) -> dict[str, Any]:
        money = ("amount", "principal", "interest", "penalty", "fee", "unapplied")
        return {
            "id": txn.public_id,
            "loan_id": loan.public_id,
            "kind": txn.kind,
            "business_date": txn.business_date,
            **{name: to_yuan_str(getattr(txn, name)) for name in money},
            "journal_entry_id": txn.journal_entry_id,
            "created_at": txn.created_at,
        }


class TransactionsOut(Schema):
    apr: str
    apr_percent: str
    daily_rate: str
    loan_id: str
    transactions: list[TransactionOut]


class QuoteOut(Schema):
    apr: str
    apr_percent: str
    daily_rate: str
    loan_id: str
    business_date: dt.date
    principal: str
    interest: str
    penalty: str
    fee: str
    unapplied_credit: str
    total: str

    @classmethod
    def of(cls, quote: PayoffQuote, loan: Loan) -> dict[str, Any]:
        money = ("principal", "interest", "penalty", "fee", "unapplied_credit", "total")
        return {
            **apr_fields(loan_apr(loan)),
            "daily_rate": rate_str(loan.daily_rate),
            "loan_id": quote.loan_id,
            "business_date": quote.business_date,
            **{name: to_yuan_str(getattr(quote, name)) for name in money},
        }


class RequestOut(Schema):
    id: str
    kind: str
    status: str
    line_id: str | None
    loan_id: str | None
    params: dict[str, Any]
    reason: str
    maker: str
    checker: str | None
    decision_reason: str
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @classmethod
    def of(cls, request: MakerCheckerRequest) -> dict[str, Any]:
        params = dict(request.params)
        for name in (
            "limit",
            "old_limit",
            "new_limit",
            "principal",
            "interest",
            "penalty",
            "amount",
        ):
            if name in params:
                params[name] = to_yuan_str(params[name])
        return {
            "id": request.public_id,
            "kind": request.kind,
            "status": request.status,
            "line_id": request.line.public_id if request.line_id else None,
            "loan_id": request.loan.public_id if request.loan_id else None,
            "params": params,
            "reason": request.reason,
            "maker": request.maker.get_username(),
            "checker": request.checker.get_username() if request.checker_id else None,
            "decision_reason": request.decision_reason,
            "created_at": request.created_at,
            "decided_at": request.decided_at,
        }


class LinePage(Schema):
    items: list[LineOut]
    total: int
    page: int
    page_size: int


class LoanPage(Schema):
    items: list[LoanOut]
    total: int
    page: int
    page_size: int


class RequestPage(Schema):
    items: list[RequestOut]
    total: int
    page: int
    page_size: int


class ReconciliationRowOut(Schema):
    product_code: str
    account: str
    subledger: str
    general_ledger: str
    difference: str


class ReconciliationOut(Schema):
    ok: bool
    rows: list[ReconciliationRowOut]
    breaks: list[ReconciliationRowOut]


class ManualPostingOut(Schema):
    id: str
    loan_id: str
    kind: str
    amount: str
    channel: str
    bank_reference: str
    prepayment_mode: str
    status: str
    request_id: str | None
    transaction_id: str
    created_at: dt.datetime

    @classmethod
    def of(cls, posting: ManualPosting) -> dict[str, Any]:
        return {
            "id": posting.public_id,
            "loan_id": posting.loan.public_id,
            "kind": posting.kind,
            "amount": to_yuan_str(posting.amount),
            "channel": posting.channel,
            "bank_reference": posting.bank_reference,
            "prepayment_mode": posting.prepayment_mode,
            "status": posting.status,
            "request_id": posting.request.public_id if posting.request_id else None,
            "transaction_id": posting.transaction_id,
            "created_at": posting.created_at,
        }
