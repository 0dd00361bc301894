"""Accounts API: staff get and manage their bearer tokens; who am I; borrower sign-out.

Getting a staff token: ``POST /api/v1/accounts/tokens`` with ``{"username", "password",
"name"}`` (failed attempts count toward the sign-in limit, 429 when exceeded). The reply holds
the raw token once; send it as ``Authorization: Bearer mls_…``. Staff signed in to the back
office can create tokens there instead (it calls ``create_staff_token`` with their session).

Token creation is deliberately not ``@idempotent``: the idempotency store keeps replies, and
this reply is a secret that must exist nowhere but in the caller's hands. A lost reply costs an
unused token, which ``GET /tokens`` shows and ``DELETE /tokens/{id}`` removes.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from microloan.api.auth import bearer_token, borrower_auth, staff_auth
from microloan.api.middleware import client_ip
from microloan.api.schemas import ErrorOut
from microloan.kernel.actors import Actor
from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.input_types import BodyInt

from .models import StaffUser
from .services import (
    TOKEN_NAME_MAX_LENGTH,
    authenticate_staff,
    create_staff_token,
    list_staff_tokens,
    revoke_borrower_token,
    revoke_staff_token,
)

router = Router(tags=["accounts"])


class TokenCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)
    name: str = Field(min_length=1, max_length=TOKEN_NAME_MAX_LENGTH, description="what it is for")
    expires_in_days: BodyInt = Field(90, ge=1, le=365)


class TokenOut(Schema):
    id: str = Field(validation_alias="public_id")
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="the bearer token; shown only in this reply")


class TokenListFilters(Schema):
    model_config = ConfigDict(extra="forbid")

    include_revoked: bool = False


class MeOut(Schema):
    username: str
    first_name: str
    last_name: str
    department: str
    roles: list[str]
    permissions: list[str]


_REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


@router.post("/tokens", auth=None, response={201: TokenCreatedOut, **_REFUSALS})
def create_token(request, payload: TokenCreateIn):
    """Sign in with username and password and get a new API token (shown once)."""
    user = authenticate_staff(
        username=payload.username, password=payload.password, client_ip=client_ip(request)
    )
    token, raw = create_staff_token(
        actor=Actor.from_user(user),
        name=payload.name,
        expires_at=timezone.now() + dt.timedelta(days=payload.expires_in_days),
    )
    token.token = raw
    return Status(201, token)


@router.get("/tokens", auth=staff_auth(), response={200: list[TokenOut], **_REFUSALS})
def list_tokens(request, filters: Query[TokenListFilters]):
    """The caller's own tokens, newest first."""
    return list(list_staff_tokens(actor=request.auth, include_revoked=filters.include_revoked))


@router.delete(
    "/tokens/{token_id}",
    auth=staff_auth(self_service=True),
    response={204: None, **_REFUSALS},
)
def revoke_token(request, token_id: str = Path(..., max_length=PUBLIC_ID_MAX_LENGTH)):
    """Revoke one of the caller's tokens (anyone's with ``accounts.manage_api_tokens``)."""
    revoke_staff_token(actor=request.auth, token_id=token_id)
    return Status(204, None)


@router.get("/me", auth=staff_auth(), response={200: MeOut, **_REFUSALS})
def me(request):
    """Who the token belongs to, with roles and effective permissions."""
    actor: Actor = request.auth
    user = StaffUser.objects.get(pk=actor.user_pk)
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "department": user.department,
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(actor.permissions),
    }


@router.delete("/borrower-tokens/current", auth=borrower_auth, response={204: None, **_REFUSALS})
def borrower_sign_out(request):
    """A borrower signs out: the token sent with this request stops working."""
    revoke_borrower_token(raw=bearer_token(request))
    return Status(204, None)
