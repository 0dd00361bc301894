"""Risk use cases, one module per topic; everything public is re-exported here.

- ``assessment``: what origination calls for an application — ``assess_application`` (all of
  it), or the steps: ``subject_keys``, ``record_application_event``, ``fraud_context``.
- ``identity``: ``run_identity_checks`` (= ``ask_identity_provider``, outside a transaction,
  then ``store_identity_checks``) through the configured provider; stored answers.
- ``blacklist``: add / remove (audited, ``risk.change_blacklistentry``), list, look-up.
- ``rulesets`` / ``scorecards``: versions under maker-checker; ``active_ruleset()`` and
  ``active_scorecard()`` create the defaults on first use.

State changes run in ``transaction.atomic()`` with their audit record inside. Lock order: the
active version row first, then the version being changed, then the audit chain head.
"""

from .assessment import (
    RiskAssessment,
    SubjectKeys,
    assess_application,
    fraud_context,
    identity_history,
    name_digest,
    record_application_event,
    subject_keys,
    velocity_counts,
)
from .blacklist import (
    add_blacklist_entry,
    blacklist_key,
    blacklisted_kinds,
    get_blacklist_entry,
    list_blacklist_entries,
    remove_blacklist_entry,
)
from .identity import (
    IdentityAnswers,
    IdentityOutcome,
    ask_identity_provider,
    identity_provider,
    list_identity_checks,
    run_identity_checks,
    store_identity_checks,
)
from .rulesets import (
    activate_ruleset,
    active_ruleset,
    create_ruleset_draft,
    get_ruleset,
    list_rulesets,
    reject_ruleset,
)
from .scorecards import (
    activate_scorecard,
    active_scorecard,
    expert_artifact,
    get_scorecard,
    list_scorecards,
    register_scorecard,
    reject_scorecard,
    scorecard_artifact,
    scorecard_by_version,
)

__all__ = [
    "IdentityAnswers",
    "IdentityOutcome",
    "RiskAssessment",
    "SubjectKeys",
    "activate_ruleset",
    "activate_scorecard",
    "active_ruleset",
    "active_scorecard",
    "add_blacklist_entry",
    "ask_identity_provider",
    "assess_application",
    "blacklist_key",
    "blacklisted_kinds",
    "create_ruleset_draft",
    "expert_artifact",
    "fraud_context",
    "get_blacklist_entry",
    "get_ruleset",
    "get_scorecard",
    "identity_history",
    "identity_provider",
    "list_blacklist_entries",
    "list_identity_checks",
    "list_rulesets",
    "list_scorecards",
    "name_digest",
    "record_application_event",
    "register_scorecard",
    "reject_ruleset",
    "reject_scorecard",
    "remove_blacklist_entry",
    "run_identity_checks",
    "scorecard_artifact",
    "scorecard_by_version",
    "store_identity_checks",
    "subject_keys",
    "velocity_counts",
]
