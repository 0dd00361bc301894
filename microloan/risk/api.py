"""Risk API (mounted at ``/api/v1/risk/``): the blacklist, rule set and scorecard versions
(maker-checker), and identity check results. Staff only.

A blacklisted ID number, phone or card is sent in clear once, when it is added; only its blind
index and a masked hint are kept and shown.

No ``from __future__ import annotations`` here: ninja reads ``Query[...]`` at import time.
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import ConfigDict

from microloan.api.auth import staff_auth
from microloan.api.idempotency import idempotent
from microloan.api.pagination import BoundedPageNumberPagination
from microloan.api.schemas import ErrorOut
from microloan.api.versioned_config import add_versioned_config_routes
from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.input_types import ApiDateTime

from . import services
from .models import REASON_MAX_LENGTH, SUBJECT_MAX_LENGTH, BlacklistEntry, RuleSet, Scorecard
from .services.common import (
    PERM_ADD_SCORECARD,
    PERM_CHANGE_BLACKLIST,
    PERM_VIEW_BLACKLIST,
    PERM_VIEW_IDENTITY_CHECK,
)
from .services.rulesets import RULESETS
from .services.scorecards import SCORECARDS

router = Router(tags=["risk"])

_REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
_ID = Path(..., max_length=PUBLIC_ID_MAX_LENGTH)


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


# --- blacklist ---------------------------------------------------------------------------------


class BlacklistIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=10, description="id, phone, card, device or ip")
    value: str = Field(max_length=128, description="in clear; only its blind index is kept")
    source: str = Field("manual", max_length=24)
    reason: str = Field(max_length=REASON_MAX_LENGTH)
    expires_at: ApiDateTime | None = None


class RemovalIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=REASON_MAX_LENGTH)


class BlacklistFilters(Schema):
    kind: str | None = Field(None, max_length=10)
    in_force: bool | None = None


class BlacklistEntryOut(Schema):
    id: str
    kind: str
    value_hint: str
    source: str
    reason: str
    in_force: bool
    expires_at: dt.datetime | None
    created_at: dt.datetime
    created_by: str | None
    removed_at: dt.datetime | None
    removed_by: str | None
    removal_reason: str

    @staticmethod
    def resolve_id(entry: BlacklistEntry) -> str:
        return entry.public_id

    @staticmethod
    def resolve_in_force(entry: BlacklistEntry) -> bool:
        return entry.is_in_force(timezone.now())

    @staticmethod
    def resolve_created_by(entry: BlacklistEntry) -> str | None:
        return _username(entry.created_by)

    @staticmethod
    def resolve_removed_by(entry: BlacklistEntry) -> str | None:
        return _username(entry.removed_by)


@router.get("/blacklist", auth=staff_auth(PERM_VIEW_BLACKLIST), response=list[BlacklistEntryOut])
@paginate(BoundedPageNumberPagination, page_size=50)
def list_blacklist(request, filters: Query[BlacklistFilters]):
    """Entries, newest first; ``in_force`` true / false keeps live / removed or expired ones."""
    return services.list_blacklist_entries(actor=request.auth, **filters.dict())


@router.get(
    "/blacklist/{entry_id}",
    auth=staff_auth(PERM_VIEW_BLACKLIST),
    response={200: BlacklistEntryOut, **_REFUSALS},
)
def get_blacklist_entry(request, entry_id: str = _ID):
    return services.get_blacklist_entry(actor=request.auth, entry_id=entry_id)


@router.post(
    "/blacklist",
    auth=staff_auth(PERM_CHANGE_BLACKLIST),
    response={201: BlacklistEntryOut, **_REFUSALS},
)
@idempotent
def add_blacklist_entry(request, payload: BlacklistIn):
    """Blacklist a value; 409 ``blacklist_entry_exists`` if it is already listed and in force."""
    entry = services.add_blacklist_entry(actor=request.auth, **payload.dict())
    return Status(201, entry)


@router.post(
    "/blacklist/{entry_id}/remove",
    auth=staff_auth(PERM_CHANGE_BLACKLIST),
    response={200: BlacklistEntryOut, **_REFUSALS},
)
def remove_blacklist_entry(request, payload: RemovalIn, entry_id: str = _ID):
    entry = services.remove_blacklist_entry(
        actor=request.auth, entry_id=entry_id, reason=payload.reason
    )
    return entry


# --- rule sets ---------------------------------------------------------------------------------


class RuleSetIn(Schema):
    model_config = ConfigDict(extra="forbid")

    changes: dict[str, Any] = Field(
        description="merged into the latest version's thresholds (objects key by key)"
    )
    note: str = Field("", max_length=REASON_MAX_LENGTH)


class RuleSetOut(Schema):
    id: str
    version: int
    status: str
    note: str
    maker: str | None
    checker: str | None
    created_at: dt.datetime
    activated_at: dt.datetime | None
    retired_at: dt.datetime | None
    rejected_at: dt.datetime | None
    reason: str
    thresholds: dict[str, Any]


def _ruleset_out(ruleset: RuleSet) -> dict[str, Any]:
    return {
        "id": ruleset.public_id,
        "version": ruleset.version,
        "status": ruleset.status,
        "note": ruleset.note,
        "maker": _username(ruleset.maker),
        "checker": _username(ruleset.checker),
        "created_at": ruleset.created_at,
        "activated_at": ruleset.activated_at,
        "retired_at": ruleset.retired_at,
        "rejected_at": ruleset.rejected_at,
        "reason": ruleset.reason,
        "thresholds": ruleset.thresholds,
    }


add_versioned_config_routes(
    router,
    RULESETS,
    path="/rulesets",
    id_param="ruleset_id",
    out=RuleSetOut,
    present=_ruleset_out,
    draft_in=RuleSetIn,
    approve_verb="activate",
    names={
        "list": "list_rulesets",
        "get": "get_ruleset",
        "create": "create_ruleset_draft",
        "approve": "activate_ruleset",
        "reject": "reject_ruleset",
    },
    module=__name__,
)


# --- scorecards --------------------------------------------------------------------------------


class ScorecardIn(Schema):
    model_config = ConfigDict(extra="forbid")

    artifact: dict[str, Any] = Field(description="a microloan.scorecard/1 artifact")


class ScorecardSummaryOut(Schema):
    id: str
    version: int
    name: str
    source: str
    status: str
    metrics: dict[str, Any]
    maker: str | None
    checker: str | None
    created_at: dt.datetime
    activated_at: dt.datetime | None
    retired_at: dt.datetime | None
    rejected_at: dt.datetime | None
    reason: str


class ScorecardOut(ScorecardSummaryOut):
    artifact: dict[str, Any]


def _scorecard_out(scorecard: Scorecard, *, with_artifact: bool = True) -> dict[str, Any]:
    out = {
        "id": scorecard.public_id,
        "version": scorecard.version,
        "name": scorecard.name,
        "source": scorecard.source,
        "status": scorecard.status,
        "metrics": scorecard.metrics,
        "maker": _username(scorecard.maker),
        "checker": _username(scorecard.checker),
        "created_at": scorecard.created_at,
        "activated_at": scorecard.activated_at,
        "retired_at": scorecard.retired_at,
        "rejected_at": scorecard.rejected_at,
        "reason": scorecard.reason,
    }
    if with_artifact:
        out["artifact"] = scorecard.artifact
    return out


add_versioned_config_routes(
    router,
    SCORECARDS,
    path="/scorecards",
    id_param="scorecard_id",
    out=ScorecardOut,
    present=_scorecard_out,
    list_out=ScorecardSummaryOut,
    list_present=lambda scorecard: _scorecard_out(scorecard, with_artifact=False),
    approve_verb="activate",
    names={
        "list": "list_scorecards",
        "get": "get_scorecard",
        "approve": "activate_scorecard",
        "reject": "reject_scorecard",
    },
    module=__name__,
)


@router.post(
    "/scorecards", auth=staff_auth(PERM_ADD_SCORECARD), response={201: ScorecardOut, **_REFUSALS}
)
@idempotent
def register_scorecard(request, payload: ScorecardIn):
    """Register an artifact as a new inactive version (maker)."""
    scorecard = services.register_scorecard(actor=request.auth, artifact=payload.artifact)
    return Status(201, _scorecard_out(scorecard))


# --- identity checks ---------------------------------------------------------------------------


class IdentityCheckFilters(Schema):
    subject: str = Field(max_length=SUBJECT_MAX_LENGTH, min_length=1)


class IdentityCheckOut(Schema):
    id: str
    subject: str
    kind: str
    provider: str
    outcome: str
    score: str | None
    reason_codes: list[str]
    raw_response: dict[str, Any]
    created_at: dt.datetime


@router.get(
    "/identity-checks",
    auth=staff_auth(PERM_VIEW_IDENTITY_CHECK),
    response={200: list[IdentityCheckOut], **_REFUSALS},
)
def list_identity_checks(request, filters: Query[IdentityCheckFilters]):
    """Every stored provider answer about one subject (an application's public id)."""
    checks = services.list_identity_checks(actor=request.auth, subject=filters.subject)
    return [
        {
            "id": check.public_id,
            "subject": check.subject,
            "kind": check.kind,
            "provider": check.provider,
            "outcome": check.outcome,
            "score": str(check.score) if check.score is not None else None,
            "reason_codes": check.reason_codes,
            "raw_response": check.raw_response,
            "created_at": check.created_at,
        }
        for check in checks
    ]
