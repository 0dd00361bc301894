"""API shapes of collections. Money is a yuan string ("1234.56"), as on every route."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from microloan.kernel.input_types import ApiDate, BodyBool, BodyInt, PageNumber, PageSize
from microloan.kernel.money import to_yuan_str
from microloan.kernel.pagination import Page, page_of

from .models import CollectionCase, ContactAttempt, PromiseToPay

Channel = Literal["phone", "sms", "visit", "letter"]
Result = Literal[
    "promised",
    "paid",
    "refused",
    "disputed",
    "no_answer",
    "busy",
    "unreachable",
    "message_left",
    "not_home",
]
Cause = Literal["job_loss", "illness", "fraud_suspicion", "dispute", "unwilling"]
Method = Literal["equal_instalment", "equal_principal", "interest_first", "bullet"]
Team = Literal["none", "collectors", "senior"]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class ContactIn(Input):
    channel: Channel
    result: Result
    number: Literal["", "registered_mobile", "given"] = Field(
        "",
        description='Calls and SMS: "registered_mobile" (the number on file) or "given" (phone).',
    )
    phone: str = Field("", max_length=32, description="The number contacted (calls and SMS).")
    note: str = Field("", max_length=500)


class PromiseIn(Input):
    amount: str = Field(max_length=40, description="Yuan, e.g. 1234.56.")
    due_date: ApiDate


class CauseIn(Input):
    cause: Cause


class AssignIn(Input):
    collector: str = Field(min_length=1, max_length=150, description="The collector's username.")


class RestructureIn(Input):
    term_months: BodyInt = Field(ge=1, le=60)
    method: Method
    daily_rate: str | None = Field(None, max_length=20)
    reason: str = Field(min_length=1, max_length=1000)


class StrategyIn(Input):
    sms: BodyBool | None = None
    push: BodyBool | None = None
    calls: BodyBool | None = None
    team: Team | None = None
    outsource: BodyBool | None = None
    version: BodyInt | None = None


def money(amount: int) -> str:
    return to_yuan_str(amount)


Money = Annotated[str, Field(description="Yuan, e.g. 1234.56.")]


class CaseOut(Schema):
    id: str
    loan_id: str
    customer_id: str
    status: str
    bucket: str
    dpd: int
    opened_on: dt.date
    opening_overdue: Money
    bucket_entered_on: dt.date
    bucket_entry_overdue: Money
    closed_on: dt.date | None
    close_reason: str
    collector: str
    cause: str
    outsourced: bool

    @classmethod
    def of(cls, case: CollectionCase) -> dict[str, Any]:
        return {
            "id": case.public_id,
            "loan_id": case.loan.public_id,
            "customer_id": case.customer_id,
            "status": case.status,
            "bucket": case.bucket,
            "dpd": case.loan.dpd,
            "opened_on": case.opened_on,
            "opening_overdue": money(case.opening_overdue),
            "bucket_entered_on": case.bucket_entered_on,
            "bucket_entry_overdue": money(case.bucket_entry_overdue),
            "closed_on": case.closed_on,
            "close_reason": case.close_reason,
            "collector": case.collector.username if case.collector else "",
            "cause": case.cause,
            "outsourced": case.outsourced,
        }


class CasePage(Schema):
    items: list[CaseOut]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, page: Page) -> dict[str, Any]:
        return page_of(page, CaseOut.of)


class ContactOut(Schema):
    id: str
    channel: str
    number_used: str
    number_masked: str
    result: str
    note: str
    collector: str
    attempted_at: dt.datetime
    local_date: dt.date

    @classmethod
    def of(cls, contact: ContactAttempt) -> dict[str, Any]:
        return {
            "id": contact.public_id,
            "channel": contact.channel,
            "number_used": contact.number_used,
            "number_masked": contact.number_masked,
            "result": contact.result,
            "note": contact.note,
            "collector": contact.collector.username,
            "attempted_at": contact.attempted_at,
            "local_date": contact.local_date,
        }


class PromiseOut(Schema):
    id: str
    amount: Money
    made_on: dt.date
    due_date: dt.date
    status: str
    paid_amount: Money
    judged_on: dt.date | None
    collector: str

    @classmethod
    def of(cls, promise: PromiseToPay) -> dict[str, Any]:
        return {
            "id": promise.public_id,
            "amount": money(promise.amount),
            "made_on": promise.made_on,
            "due_date": promise.due_date,
            "status": promise.status,
            "paid_amount": money(promise.paid_amount),
            "judged_on": promise.judged_on,
            "collector": promise.collector.username,
        }


class LoanSummary(Schema):
    id: str
    status: str
    principal: Money
    principal_outstanding: Money
    overdue_principal: Money
    overdue_interest: Money
    penalty_receivable: Money
    dpd: int
    category: str
    next_due_date: dt.date | None


class BucketChangeOut(Schema):
    business_date: dt.date
    from_bucket: str
    to_bucket: str
    dpd: int
    overdue_amount: Money


class CaseDetailOut(Schema):
    case: CaseOut
    borrower: dict[str, Any] | None  # customers.services.masked_customer: masked
    loan: LoanSummary
    history: list[BucketChangeOut]
    contacts: list[ContactOut]
    promises: list[PromiseOut]

    @classmethod
    def of(cls, detail: dict[str, Any]) -> dict[str, Any]:
        loan = detail["loan"]
        return {
            "case": CaseOut.of(detail["case"]),
            "borrower": detail["borrower"],
            "loan": {
                "id": loan.public_id,
                "status": loan.status,
                "principal": money(loan.principal),
                "principal_outstanding": money(loan.principal_outstanding),
                "overdue_principal": money(loan.overdue_principal),
                "overdue_interest": money(loan.overdue_interest),
                "penalty_receivable": money(loan.penalty_receivable),
                "dpd": loan.dpd,
                "category": loan.category,
                "next_due_date": loan.next_due_date,
            },
            "history": [
                {
                    "business_date": change.business_date,
                    "from_bucket": change.from_bucket,
                    "to_bucket": change.to_bucket,
                    "dpd": change.dpd,
                    "overdue_amount": money(change.overdue_amount),
                }
                for change in detail["history"]
            ],
            "contacts": [ContactOut.of(contact) for contact in detail["contacts"]],
            "promises": [PromiseOut.of(promise) for promise in detail["promises"]],
        }


class CollectorIn(Input):
    senior: BodyBool | None = None
    accepts_cases: BodyBool | None = None


class CollectorOut(Schema):
    username: str
    active: bool
    senior: bool
    accepts_cases: bool
    open_cases: int


class StrategyOut(Schema):
    bucket: str
    sms: bool
    push: bool
    calls: bool
    team: str
    outsource: bool
    version: int


class RestructureProposalOut(Schema):
    request_id: str
    status: str
    loan_id: str


class RecoveryRow(Schema):
    key: str
    count: int
    overdue: Money
    recovered: Money
    rate: Decimal | None

    @field_validator("overdue", "recovered", mode="before")
    @classmethod
    def _yuan(cls, fen: Any) -> Any:
        return money(fen) if isinstance(fen, int) and not isinstance(fen, bool) else fen


class PromiseRateRow(Schema):
    key: str
    kept: int
    broken: int
    pending: int
    rate: Decimal | None


class PromiseTotals(Schema):
    kept: int
    broken: int
    pending: int
    rate: Decimal | None


class CauseRow(Schema):
    key: str
    label: str
    open: int
    closed: int
    cured: int


class StatsOut(Schema):
    business_date: dt.date
    recovery_by_bucket: list[RecoveryRow]
    recovery_by_collector: list[RecoveryRow]
    recovery_by_cause: list[RecoveryRow]
    promises: PromiseTotals
    promises_by_collector: list[PromiseRateRow]
    promises_by_bucket: list[PromiseRateRow]
    cases_by_cause: list[CauseRow]


class StatsFilters(Schema):
    date_from: ApiDate | None = None
    date_to: ApiDate | None = None


class CaseFilters(Schema):
    bucket: str | None = None
    collector: str | None = None
    status: str | None = "open"
    cause: str | None = None
    page: PageNumber = 1
    page_size: PageSize = 50
