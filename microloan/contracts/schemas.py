"""API shapes of contracts: inputs refuse unknown fields; money as yuan strings ("1234.56"), as
on every route; the APR leads every reply, ahead of the daily rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from microloan.kernel.input_types import ApiDate, BodyBool, PageNumber, PageSize
from microloan.kernel.money import to_yuan_str
from microloan.kernel.rounding import format_percent

from .documents import percent
from .models import Contract, ContractTemplate
from .services.common import contract_state
from .services.queries import masked_borrower
from .services.verification import ContractVerification

KindIn = Literal["line_agreement", "loan"]
LanguageIn = Literal["zh-hans", "en"]
StateIn = Literal["pending", "expired", "signed", "void"]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


class SignIn(Input):
    sha256: str = Field(max_length=64, description="SHA-256 (hex) of the PDF bytes shown.")
    device_id: str = Field(max_length=128)


class TemplateIn(Input):
    kind: KindIn
    language: LanguageIn
    title: str = Field(max_length=200)
    body: str = Field(max_length=50_000)
    note: str = Field("", max_length=500)
    activate: BodyBool = False


class ContractFilters(Schema):
    customer_id: str | None = Field(None, max_length=60)
    loan_id: str | None = Field(None, max_length=60)
    line_id: str | None = Field(None, max_length=60)
    kind: KindIn | None = None
    state: StateIn | None = None
    date_from: ApiDate | None = None
    date_to: ApiDate | None = None
    page: PageNumber = 1
    page_size: PageSize = 50


class ContractOut(Schema):
    apr: str
    apr_percent: str
    daily_rate: str
    daily_rate_percent: str
    id: str
    kind: str
    state: str
    customer_id: str
    line_id: str
    loan_id: str
    amount: str | None = Field(description="yuan")
    limit: str | None = Field(description="yuan")
    term_months: int | None
    method: str | None
    language: str
    template_version: int
    business_date: dt.date
    created_at: dt.datetime
    offer_expires_at: dt.datetime | None
    pdf_sha256: str
    signed_at: dt.datetime | None
    sealed_sha256: str

    @classmethod
    def of(cls, contract: Contract) -> dict[str, Any]:
        terms = contract.terms
        amount, limit = terms.get("amount"), terms.get("limit")
        return {
            "apr": terms["apr"],
            "apr_percent": format_percent(Decimal(terms["apr"])),
            "daily_rate": terms["daily_rate"],
            "daily_rate_percent": percent(terms["daily_rate"]),
            "id": contract.public_id,
            "kind": contract.kind,
            "state": contract_state(contract),
            "customer_id": contract.customer_id,
            "line_id": contract.line_id,
            "loan_id": contract.loan_id,
            "amount": to_yuan_str(amount) if amount is not None else None,
            "limit": to_yuan_str(limit) if limit is not None else None,
            "term_months": terms.get("term_months"),
            "method": terms.get("method"),
            "language": contract.language,
            "template_version": contract.template.version,
            "business_date": contract.business_date,
            "created_at": contract.created_at,
            "offer_expires_at": contract.offer_expires_at,
            "pdf_sha256": contract.pdf_sha256,
            "signed_at": contract.signed_at,
            "sealed_sha256": contract.sealed_sha256,
        }


class ScheduleRowOut(Schema):
    number: int
    due_date: dt.date
    principal: str = Field(description="yuan")
    interest: str = Field(description="yuan")
    balance_after: str = Field(description="yuan")

    @field_validator("principal", "interest", "balance_after", mode="before")
    @classmethod
    def _yuan(cls, fen: Any) -> Any:
        return to_yuan_str(fen) if isinstance(fen, int) and not isinstance(fen, bool) else fen


class ContractDetailOut(ContractOut):
    schedule: list[ScheduleRowOut]
    signed_device_id: str

    @classmethod
    def of(cls, contract: Contract) -> dict[str, Any]:
        return {
            **ContractOut.of(contract),
            "schedule": contract.terms.get("schedule", []),
            "signed_device_id": contract.signed_device_id,
        }


class StaffContractOut(ContractDetailOut):
    """Staff see the borrower (masked) and the signing evidence (IP, user agent)."""

    borrower_name: str
    borrower_id_number: str
    signed_ip: str | None
    signed_user_agent: str
    voided_reason: str

    @classmethod
    def of(cls, contract: Contract) -> dict[str, Any]:
        borrower = masked_borrower(contract)
        return {
            **ContractDetailOut.of(contract),
            "borrower_name": borrower["name"],
            "borrower_id_number": borrower["id_number"],
            "signed_ip": contract.signed_ip,
            "signed_user_agent": contract.signed_user_agent,
            "voided_reason": contract.voided_reason,
        }


class ContractPage(Schema):
    items: list[ContractOut]
    total: int
    page: int
    page_size: int


class VerificationOut(Schema):
    ok: bool
    sha256: str
    contract_id: str
    signatures: int
    intact: bool
    trusted: bool
    covers_whole_file: bool
    matches_record: bool
    contains_signed_original: bool
    signer: str
    signed_at: str
    problems: list[str]

    @classmethod
    def of(cls, result: ContractVerification) -> dict[str, Any]:
        seal = result.seal
        return {
            "ok": result.ok,
            "sha256": result.sha256,
            "contract_id": result.contract_id,
            "signatures": seal.signatures,
            "intact": seal.intact,
            "trusted": seal.trusted,
            "covers_whole_file": seal.covers_whole_file,
            "matches_record": result.matches_record,
            "contains_signed_original": result.contains_signed_original,
            "signer": seal.signer,
            "signed_at": seal.signed_at,
            "problems": result.problems,
        }


class TemplateOut(Schema):
    id: str
    kind: str
    language: str
    version: int
    title: str
    body: str
    note: str
    is_active: bool
    created_by: str
    created_at: dt.datetime

    @classmethod
    def of(cls, template: ContractTemplate) -> dict[str, Any]:
        return {
            "id": template.public_id,
            "kind": template.kind,
            "language": template.language,
            "version": template.version,
            "title": template.title,
            "body": template.body,
            "note": template.note,
            "is_active": template.is_active,
            "created_by": template.created_by,
            "created_at": template.created_at,
        }


class TemplateList(Schema):
    items: list[TemplateOut]
