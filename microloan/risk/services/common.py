"""Permissions and small helpers shared by the risk services."""

from __future__ import annotations

from functools import partial

from microloan.kernel.text import clean_reason as kernel_clean_reason
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


# The kernel's one reason check, at the length risk's reason columns hold.
clean_reason = partial(kernel_clean_reason, max_length=REASON_MAX_LENGTH)
