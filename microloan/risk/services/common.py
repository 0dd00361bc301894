"""Permissions and small helpers shared by the risk services."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import (
    BusinessRuleViolation,
    Conflict,
    PermissionDenied,
    ValidationFailed,
)

from ..models import REASON_MAX_LENGTH

PERM_VIEW_BLACKLIST = "risk.view_blacklistentry"
PERM_CHANGE_BLACKLIST = "risk.change_blacklistentry"
PERM_VIEW_RULESET = "risk.view_ruleset"
PERM_ADD_RULESET = "risk.add_ruleset"
PERM_APPROVE_RULESET = "risk.approve_ruleset"
PERM_VIEW_SCORECARD = "risk.view_scorecard"
PERM_ADD_SCORECARD = "risk.add_scorecard"
PERM_APPROVE_SCORECARD = "risk.approve_scorecard"
PERM_VIEW_IDENTITY_CHECK = "risk.view_identitycheck"


def staff_user_pk(actor: Actor, *, required: bool = True) -> int | None:
    """The staff user behind ``actor``: makers and checkers are people. A system actor (the
    CLI, a migration) has none; ``required`` refuses it."""
    if actor.kind == "staff" and actor.user_pk is not None:
        return actor.user_pk
    if required or actor.kind == "borrower":
        raise PermissionDenied(
            _("Only a signed-in member of staff can do this."),
            code="staff_user_required",
            fields={"actor": actor.label},
        )
    return None


def refuse_own_change(maker_pk: int | None, checker_pk: int, object_id: str) -> None:
    """Maker-checker: the person who proposed a version cannot approve it."""
    if maker_pk is not None and maker_pk == checker_pk:
        raise BusinessRuleViolation(
            _("The maker of a version cannot approve it."),
            code="maker_cannot_approve",
            fields={"version_id": object_id},
        )


def clean_reason(reason: Any, *, required: bool, field: str = "reason") -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if required and not text:
        raise ValidationFailed(code="reason_required", fields={field: _("Give a reason.")})
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationFailed(code="reason_too_long", fields={field: _("At most 500 characters.")})
    return text


def save_activation(version, fields: list[str]) -> None:
    """Save ``version`` as the active one. Two checkers activating two versions at once: the
    second finds no active row left to lock and its save breaks the one-active constraint;
    that is a 409 to retry, not a 500."""
    try:
        with transaction.atomic():
            version.save(update_fields=fields)
    except IntegrityError:
        raise Conflict(
            _("Another version was activated at the same time; try again."),
            code="concurrent_activation",
        ) from None
