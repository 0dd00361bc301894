"""One router factory for every kind of versioned configuration (``kernel.maker_checker``):
list, get, draft, approve (or activate) and reject, each under the kind's own URL, names and
permissions, so rule sets, scorecards, admission and early-warning policies answer alike.

    add_versioned_config_routes(
        router, RULESETS, path="/rulesets", id_param="ruleset_id", out=RuleSetOut,
        present=_ruleset_out, draft_in=RuleSetIn, approve_verb="activate",
        names={"list": "list_rulesets", ...}, module=__name__,
    )

Each view gets the name (and module) the kind's API module has always used, so OpenAPI
operation ids and URL names do not change. No ``from __future__ import annotations``: ninja
reads the views' annotations.
"""

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ninja import Field, Path, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH
from microloan.kernel.maker_checker import MakerChecker
from microloan.kernel.versions import NOTE_MAX_LENGTH

from .auth import staff_auth
from .idempotency import idempotent
from .schemas import ErrorOut

REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ROUTES = ("list", "get", "create", "approve", "reject")


class VersionRejectIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=NOTE_MAX_LENGTH, description="why the checker refuses it")


def _as_is(value: Any) -> Any:
    return value


def _named(view: Callable, name: str, module: str, doc: str) -> Callable:
    view.__name__ = view.__qualname__ = name
    view.__module__, view.__doc__ = module, doc
    return view


def _with_id(view: Callable, id_param: str, *more: inspect.Parameter) -> Callable:
    """``view(request, <id_param>, …)`` as ninja reads it: the path parameter keeps the name
    the kind's URL has always documented ("ruleset_id", "policy_id")."""
    view.__signature__ = inspect.Signature(
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter(
                id_param,
                inspect.Parameter.KEYWORD_ONLY,
                default=Path(..., max_length=PUBLIC_ID_MAX_LENGTH),
                annotation=str,
            ),
            *more,
        ]
    )
    return view


def add_versioned_config_routes(
    router: Router,
    service: MakerChecker,
    *,
    path: str,
    id_param: str,
    out: Any,
    names: Mapping[str, str],
    module: str,
    present: Callable[[Any], Any] = _as_is,
    list_out: Any = None,
    list_present: Callable[[Any], Any] | None = None,
    draft_in: type[Schema] | None = None,
    changes_in: Callable[[dict[str, Any]], dict[str, Any]] = _as_is,
    approve_verb: str = "approve",
    idempotent_approve: bool = False,
) -> None:
    """Add to ``router`` the routes whose key is in ``names`` (``ROUTES``): ``GET path``,
    ``GET path/{id}``, ``POST path`` (a draft from ``draft_in``: ``changes`` read by
    ``changes_in``, and ``note``), ``POST path/{id}/<approve_verb>`` and ``POST
    path/{id}/reject``. ``present`` turns a version into ``out`` (``list_present`` into
    ``list_out`` for the list)."""
    kind = service.kind
    unknown = set(names) - set(ROUTES)
    assert not unknown, f"unknown routes {unknown}"
    one = f"{path}/{{{id_param}}}"

    if "list" in names:

        def list_versions(request):
            show = list_present or present
            return [show(version) for version in service.list_versions(actor=request.auth)]

        router.get(
            path,
            auth=staff_auth(kind.view_perm),
            response={200: list[list_out or out], **REFUSALS},
        )(_named(list_versions, names["list"], module, "Every version, newest first."))

    if "get" in names:

        def get_version(request, **path_params):
            version_id = path_params[id_param]
            return present(service.get(actor=request.auth, version_id=version_id))

        router.get(one, auth=staff_auth(kind.view_perm), response={200: out, **REFUSALS})(
            _with_id(_named(get_version, names["get"], module, "One version."), id_param)
        )

    if "create" in names:
        assert draft_in is not None, "a draft route needs its input schema"

        def create_draft(request, payload):
            version = service.create_draft(
                actor=request.auth, changes=changes_in(payload.changes), note=payload.note
            )
            return Status(201, present(version))

        create_draft.__annotations__ = {"payload": draft_in}
        doc = (
            "A draft (maker): the latest version's thresholds with ``changes`` merged in, "
            "every problem reported at once (422 ``invalid_thresholds``); another person "
            f"{approve_verb}s it."
        )
        router.post(path, auth=staff_auth(kind.add_perm), response={201: out, **REFUSALS})(
            idempotent(_named(create_draft, names["create"], module, doc))
        )

    if "approve" in names:

        def approve(request, **path_params):
            version_id = path_params[id_param]
            return present(service.activate(actor=request.auth, version_id=version_id))

        doc = (
            "The version takes over, by someone other than its maker (422 "
            "``maker_cannot_approve``); the active version retires."
        )
        view = _with_id(_named(approve, names["approve"], module, doc), id_param)
        router.post(
            f"{one}/{approve_verb}",
            auth=staff_auth(kind.approve_perm),
            response={200: out, **REFUSALS},
        )(idempotent(view) if idempotent_approve else view)

    if "reject" in names:

        def reject(request, payload, **path_params):
            version_id = path_params[id_param]
            version = service.reject(
                actor=request.auth, version_id=version_id, reason=payload.reason
            )
            return present(version)

        payload = inspect.Parameter(
            "payload", inspect.Parameter.KEYWORD_ONLY, annotation=VersionRejectIn
        )
        doc = (
            "Refuse the version, with a reason, by someone other than its maker (422 "
            "``maker_cannot_approve``); it is never activated."
        )
        router.post(
            f"{one}/reject", auth=staff_auth(kind.approve_perm), response={200: out, **REFUSALS}
        )(_with_id(_named(reject, names["reject"], module, doc), id_param, payload))
