"""Origination use cases, one module per topic; everything public is re-exported here.

For the back-office pages (views call these, never the models):

- queues: ``review_queue(actor=, stage="initial"|"final")`` → QuerySet oldest first;
  ``with_sla_flags(rows)`` sets ``.sla`` (overdue / due_soon / on_time) and ``.claim_live``.
- detail: ``application_detail(actor=, application_id=)`` → dict (masked applicant, declared
  data, admission, risk checks, reasons in words, offer, reviews, transitions).
- search: ``search_applications(actor=, state=, customer_id=, product_code=, submitted_from=,
  submitted_to=)`` → QuerySet newest first; ``summary_of(application)`` → list row dict.
- actions: ``claim_application`` / ``release_application(actor=, application_id=)``;
  ``decide_application(actor=, application_id=, outcome=, reason=, reason_codes=, limit=,
  daily_rate=, terms_months=, return_fields=)``.
- policies: ``list_policies``, ``get_policy``, ``create_policy_draft``, ``approve_policy``,
  ``reject_policy``, ``active_policy``.

Borrower side: ``apply_for_credit``, ``resubmit_application``, ``withdraw_application``,
``my_applications``, ``get_my_application``, ``get_offer``. Batch:
``expire_stale_applications``.

Every state change runs in ``transaction.atomic()`` with its audit record inside; final
decisions publish ``application.decided``. Lock order: the application row, then (through
lending) the customer's credit lines, then the audit chain head.
"""

from .appeals import HUMAN_REVIEW_WINDOW, request_human_review
from .applying import apply_for_credit, grant_line, resubmit_application, withdraw_application
from .common import (
    PERM_ADD_POLICY,
    PERM_APPLY_ON_BEHALF,
    PERM_APPROVE_POLICY,
    PERM_REVIEW_FINAL,
    PERM_REVIEW_INITIAL,
    PERM_VIEW,
    PERM_VIEW_POLICY,
)
from .expiry import expire_applications_step, expire_stale_applications
from .intake import REQUIRED_CONSENTS, ApplicationInvalid, validate_application
from .offers import get_offer, offer_of, term_options
from .policies import (
    active_policy,
    approve_policy,
    create_policy_draft,
    get_policy,
    list_policies,
    reject_policy,
)
from .queries import (
    application_detail,
    borrower_view,
    get_my_application,
    my_applications,
    search_applications,
    summary_of,
)
from .review import (
    DecisionProduct,
    claim_application,
    decide_application,
    decision_product,
    release_application,
    review_queue,
    sla_flag,
    with_sla_flags,
)

__all__ = [
    "HUMAN_REVIEW_WINDOW",
    "PERM_ADD_POLICY",
    "PERM_APPLY_ON_BEHALF",
    "PERM_APPROVE_POLICY",
    "PERM_REVIEW_FINAL",
    "PERM_REVIEW_INITIAL",
    "PERM_VIEW",
    "PERM_VIEW_POLICY",
    "REQUIRED_CONSENTS",
    "ApplicationInvalid",
    "DecisionProduct",
    "active_policy",
    "application_detail",
    "apply_for_credit",
    "approve_policy",
    "borrower_view",
    "claim_application",
    "create_policy_draft",
    "decide_application",
    "decision_product",
    "expire_applications_step",
    "expire_stale_applications",
    "get_my_application",
    "get_offer",
    "get_policy",
    "grant_line",
    "list_policies",
    "my_applications",
    "offer_of",
    "reject_policy",
    "release_application",
    "request_human_review",
    "resubmit_application",
    "review_queue",
    "search_applications",
    "sla_flag",
    "summary_of",
    "term_options",
    "validate_application",
    "with_sla_flags",
    "withdraw_application",
]
