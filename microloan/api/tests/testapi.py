"""A test-only API on its own NinjaAPI instance, served at /t/ by ``@pytest.mark.urls``.

Its routes exercise what the root API's real routes do not: every error class, permission
checks, and ``@idempotent`` with writes that must commit or roll back with the stored reply.
"""

from __future__ import annotations

import time

from django.contrib.auth.models import Group
from django.db import transaction
from django.http import Http404
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from microloan.api.auth import borrower_auth, staff_auth
from microloan.api.base import MicroloanAPI
from microloan.api.idempotency import idempotent
from microloan.api.urls import api_urlpatterns
from microloan.kernel.errors import Conflict, DomainError, ValidationFailed

router = Router()
SLOW_SECONDS = 0.5


class ItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    term: int = Field(ge=1, le=36)


class GroupIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=20)
    amount: str = Field("0.00", max_length=20)
    items: list[ItemIn] = Field(default_factory=list, max_length=3)


class GroupOut(Schema):
    name: str


def _create_group(payload: GroupIn):
    """Creates a group, or fails in the way its name asks for."""
    with transaction.atomic():  # like a service: a refusal undoes its own writes
        group = Group.objects.create(name=payload.name)
        if payload.name.startswith("conflict"):
            raise Conflict("already there", code="group_conflict")
        if payload.name.startswith("invalid"):
            raise ValidationFailed(fields={"name": "not allowed"})
    # Failures after the service committed its part: only the idempotency layer can undo it.
    if payload.name.startswith("slow"):
        time.sleep(SLOW_SECONDS)
    if payload.name.startswith("boom"):
        raise RuntimeError("unexpected failure after a write")
    if payload.name.startswith("unavailable"):
        raise DomainError("try later", code="unavailable", status=503)
    return Status(201, group)


@router.post("/groups", auth=staff_auth(), response={201: GroupOut})
@idempotent
def create_group(request, payload: GroupIn):
    return _create_group(payload)


@router.post("/public-groups", auth=None, response={201: GroupOut})
@idempotent
def create_public_group(request, payload: GroupIn):
    return _create_group(payload)


@router.post("/borrower-groups", auth=borrower_auth, response={201: GroupOut})
@idempotent
def create_borrower_group(request, payload: GroupIn):
    return _create_group(payload)


@router.post("/plain-groups", auth=staff_auth(), response={201: GroupOut})
def create_plain_group(request, payload: GroupIn):
    return _create_group(payload)


@router.get("/token-viewers", auth=staff_auth("accounts.view_staffapitoken"))
def token_viewers(request):
    return {"actor": request.auth.id}


@router.get("/mismatched", auth=staff_auth("accounts.view_staffapitoken"))
def mismatched(request):
    """Declares one permission and checks another: the role table must catch it."""
    request.auth.require("accounts.manage_api_tokens")
    return {}


@router.get("/borrowers/me", auth=borrower_auth)
def borrower_me(request):
    return {"borrower": request.auth.id}


@router.get("/missing", auth=None)
def missing(request):
    raise Http404("no such thing")


@router.get("/explode", auth=None)
def explode(request):
    raise RuntimeError("a bug")


test_api = MicroloanAPI(title="Test API", urls_namespace="testapi", docs_url=None)
test_api.add_router("", router)

urlpatterns = api_urlpatterns(test_api, "t/")
