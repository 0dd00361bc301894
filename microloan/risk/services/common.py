"""Permissions and small helpers shared by the risk services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import (
    ValidationFailed,
)
from microloan.kernel.versions import (  # noqa: F401 - the maker-checker rules, re-exported
    refuse_own_change,
    save_activation,
    staff_user_pk,
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


def clean_reason(reason: Any, *, required: bool, field: str = "reason") -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if required and not text:
        raise ValidationFailed(code="reason_required", fields={field: _("Give a reason.")})
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationFailed(code="reason_too_long", fields={field: _("At most 500 characters.")})
    return text
