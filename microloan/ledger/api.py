"""Ledger API (mounted at /api/v1/ledger/): reports for staff, manual entries and reversals.

Reads need ``ledger.view_journalentry``; posting a manual entry or a reversal needs
``ledger.post_manual_entry`` and an ``Idempotency-Key``. Money comes and goes as yuan strings.
"""

from __future__ import annotations

from ninja import Query, Router
from ninja.responses import Status

from microloan.api.auth import staff_auth
from microloan.api.idempotency import idempotent
from microloan.kernel.input_types import ApiDate
from microloan.kernel.services import get_business_date

from . import services
from .schemas import (
    AccountOut,
    EntryFilters,
    EntryOut,
    EntryPageOut,
    ManualEntryIn,
    ReverseIn,
    StatementFilters,
    StatementOut,
    TrialBalanceOut,
)

router = Router(tags=["ledger"])

VIEW = services.PERM_VIEW
POST_MANUAL = services.PERM_POST_MANUAL


@router.get("/accounts", auth=staff_auth(VIEW), response=list[AccountOut])
def list_accounts(request):
    return [AccountOut.of(account) for account in services.list_accounts()]


@router.get("/trial-balance", auth=staff_auth(VIEW), response=TrialBalanceOut)
def trial_balance(request, as_of: ApiDate | None = None):
    return TrialBalanceOut.of(services.trial_balance(as_of=as_of))


@router.get("/entries", auth=staff_auth(VIEW), response=EntryPageOut)
def list_entries(request, filters: Query[EntryFilters]):
    return EntryPageOut.of(services.list_entries(**filters.dict()))


@router.get("/entries/{public_id}", auth=staff_auth(VIEW), response=EntryOut)
def get_entry(request, public_id: str):
    return EntryOut.of(services.get_entry(entry_id=public_id))


@router.get("/accounts/{code}/statement", auth=staff_auth(VIEW), response=StatementOut)
def account_statement(request, code: str, filters: Query[StatementFilters]):
    statement = services.account_statement(
        account_code=code,
        date_from=filters.date_from,
        date_to=filters.date_to,
        loan_id=filters.loan_id,
        offset=(filters.page - 1) * filters.page_size,
        limit=filters.page_size,
    )
    return StatementOut.of(statement, page=filters.page, page_size=filters.page_size)


@router.post("/entries", auth=staff_auth(POST_MANUAL), response={201: EntryOut})
@idempotent
def post_manual_entry(request, payload: ManualEntryIn):
    entry = services.post_manual_entry(
        actor=request.auth,
        business_date=payload.business_date or get_business_date(),
        lines=[line.draft(index) for index, line in enumerate(payload.lines)],
        description=payload.description,
        loan_id=payload.loan_id,
        product_code=payload.product_code,
    )
    return Status(201, EntryOut.of(services.get_entry(entry_id=entry.public_id)))


@router.post("/entries/{public_id}/reverse", auth=staff_auth(POST_MANUAL), response={201: EntryOut})
@idempotent
def reverse_entry(request, public_id: str, payload: ReverseIn):
    entry = services.reverse_entry(
        actor=request.auth,
        entry_id=public_id,
        business_date=payload.business_date or get_business_date(),
        reason=payload.reason,
    )
    return Status(201, EntryOut.of(services.get_entry(entry_id=entry.public_id)))
