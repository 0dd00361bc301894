"""Audit trail API: search records, verify the chain. Read-only: there is nothing to edit.

No ``from __future__ import annotations`` here: ninja reads the annotations at import time.
"""

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from microloan.api.auth import staff_auth
from microloan.api.pagination import BoundedPageNumberPagination
from microloan.kernel.input_types import ApiDate

from .services import VIEW_PERMISSION, list_audit_records, verify_audit_chain

router = Router(tags=["audit"])


class AuditRecordFilters(Schema):
    object_type: str | None = Field(None, max_length=64)
    object_id: str | None = Field(None, max_length=100)
    actor_id: str | None = Field(None, max_length=150)
    action: str | None = Field(
        None, max_length=100, description='"loan" matches every loan.* action'
    )
    date_from: ApiDate | None = Field(None, description="first local day, inclusive")
    date_to: ApiDate | None = Field(None, description="last local day, inclusive")


class AuditRecordOut(Schema):
    seq: int
    created_at: dt.datetime
    actor_kind: str
    actor_id: str
    action: str
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None
    request_id: str
    prev_hash: str
    record_hash: str


class BrokenRecordOut(Schema):
    seq: int
    object_type: str
    object_id: str
    problem: str
    detail: str
    expected_hash: str
    stored_hash: str


class ChainVerificationOut(Schema):
    ok: bool
    verified: int
    first_broken: BrokenRecordOut | None = None
    anchors: int = Field(0, description="signed anchors checked in AUDIT_ANCHOR_FILE")
    anchored_seq: int = Field(
        0, description="the last anchored record; later ones rest on their MACs alone"
    )


@router.get("/records", auth=staff_auth(VIEW_PERMISSION), response=list[AuditRecordOut])
@paginate(BoundedPageNumberPagination, page_size=50)
def list_records(request, filters: Query[AuditRecordFilters]):
    return list_audit_records(actor=request.auth, **filters.dict())


@router.get("/verify", auth=staff_auth(VIEW_PERMISSION), response=ChainVerificationOut)
def verify_chain(request):
    return verify_audit_chain().as_dict()
