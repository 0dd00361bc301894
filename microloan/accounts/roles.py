"""Roles: one Django group per department job, each holding a fixed set of permissions.

The code is the source of truth: ``sync_roles()`` runs after every ``migrate`` and makes each
group hold exactly the permissions listed here (changes made by hand in the admin are undone).
Two roles are computed rather than listed: ``auditor`` gets every ``view_*`` permission of every
app and nothing else; ``admin`` gets every permission. A permission listed here whose app is not
built yet is skipped, so apps can be listed before they exist.

Segregation of duties: who proposes a change (maker) is a different role, or at least a
different person, from who approves it (checker); the approving services refuse maker == checker.
"""

from __future__ import annotations

import logging

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, transaction

from .models import Department

logger = logging.getLogger(__name__)

PRODUCT_MANAGER = "product_manager"
RISK_ANALYST = "risk_analyst"
INITIAL_REVIEWER = "initial_reviewer"
FINAL_REVIEWER = "final_reviewer"
COLLECTOR = "collector"
CS_AGENT = "cs_agent"
MARKETING = "marketing"
OPERATIONS = "operations"
AUDITOR = "auditor"
ADMIN = "admin"

_VIEW_LOANS_AND_LINES = ["lending.view_loan", "lending.view_creditline"]

# role -> "app_label.codename" permissions. AUDITOR and ADMIN are computed (see module doc).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    PRODUCT_MANAGER: [
        "products.view_productversion",
        "products.add_productversion",
        "products.change_productversion",
        *_VIEW_LOANS_AND_LINES,
        "ledger.view_journalentry",
        "batch.view_eodrun",
        "contracts.view_contracttemplate",
        "contracts.add_contracttemplate",
        "contracts.change_contracttemplate",
        "notifications.view_messagetemplate",
        "notifications.change_messagetemplate",
        "reports.view_reports",
    ],
    RISK_ANALYST: [
        "products.view_productversion",
        "products.approve_productversion",
        *_VIEW_LOANS_AND_LINES,
        "lending.freeze_creditline",
        "lending.adjust_creditline_limit",
        "lending.approve_creditline_limit",
        "lending.approve_writeoff",
        "lending.approve_restructure",
        "lending.approve_manualposting",
        "lending.view_manualposting",
        "lending.change_makercheckerrequest",
        "customers.view_customer",
        "risk.view_blacklistentry",
        "risk.change_blacklistentry",
        "risk.view_ruleset",
        "risk.add_ruleset",
        "risk.approve_ruleset",
        "risk.view_scorecard",
        "risk.add_scorecard",
        "risk.approve_scorecard",
        "risk.view_identitycheck",
        "risk.view_applicationevent",
        "risk.view_postloancheck",
        "risk.add_postloancheck",
        "risk.view_earlywarningaction",
        "risk.approve_earlywarningaction",
        "risk.view_earlywarningpolicy",
        "risk.add_earlywarningpolicy",
        "risk.approve_earlywarningpolicy",
        "ledger.view_journalentry",
        "batch.view_eodrun",
        "origination.view_application",
        "origination.view_admissionpolicy",
        "origination.add_admissionpolicy",
        "origination.approve_admissionpolicy",
        "collections.view_collectioncase",
        "collections.change_collectioncase",
        "collections.view_collectionstrategy",
        "collections.change_collectionstrategy",
        "reports.view_reports",
    ],
    INITIAL_REVIEWER: [
        "products.view_productversion",
        *_VIEW_LOANS_AND_LINES,
        "customers.view_customer",
        # identity is checked against documents: reveal with a reason, logged for auditors
        "customers.reveal_personal_data",
        "risk.view_identitycheck",
        "risk.view_blacklistentry",
        "origination.view_application",
        "origination.review_initial_application",
    ],
    FINAL_REVIEWER: [
        "products.view_productversion",
        *_VIEW_LOANS_AND_LINES,
        "customers.view_customer",
        "risk.view_identitycheck",
        "risk.view_blacklistentry",
        "origination.view_application",
        "origination.review_final_application",
    ],
    COLLECTOR: [
        *_VIEW_LOANS_AND_LINES,
        "customers.view_customer",
        "lending.propose_restructure",
        "lending.propose_writeoff",
        "collections.view_collectioncase",
        "collections.work_collectioncase",
        "collections.view_collectionstrategy",
    ],
    CS_AGENT: [
        "products.view_productversion",
        "origination.add_application",  # an application taken by phone, for the customer
        *_VIEW_LOANS_AND_LINES,
        "customers.view_customer",
        "customers.change_customer",
        "customers.change_consent",  # a withdrawal taken by phone
        "origination.view_application",
        "contracts.view_contract",
        "contracts.verify_contract",
        "payments.view_paymentorder",
        "notifications.view_message",
    ],
    MARKETING: [
        "products.view_productversion",
        "reports.view_reports",
        "origination.view_application",
    ],
    # Loan operations: opens approved lines, cancels disbursements, records bank receipts,
    # refunds overpayments; proposes nothing it could also approve.
    OPERATIONS: [
        *_VIEW_LOANS_AND_LINES,
        "contracts.verify_contract",
        "lending.add_creditline",
        "lending.change_creditline",
        "lending.add_loan",
        "lending.cancel_loan",
        # records money the bank received with its reference; a second person approves it
        # above MANUAL_POSTING_APPROVAL_THRESHOLD (risk_analyst). Nobody posts a loan's money
        # directly: disbursements and collections post from the bank's result.
        "lending.view_manualposting",
        "lending.record_manualposting",
        "lending.refund_unapplied",
        "batch.view_eodrun",
        "batch.run_eod",
        "contracts.view_contract",
        "payments.view_paymentorder",
        "payments.change_paymentorder",
        "payments.view_settlementbreak",
        "payments.change_settlementbreak",
        "notifications.view_message",
        "notifications.change_message",
        "reports.view_reports",
    ],
    AUDITOR: [],
    ADMIN: [],
}

# The department a demo user of each role belongs to.
ROLE_DEPARTMENTS: dict[str, str] = {
    PRODUCT_MANAGER: Department.PRODUCT,
    RISK_ANALYST: Department.RISK,
    INITIAL_REVIEWER: Department.RISK,
    FINAL_REVIEWER: Department.RISK,
    COLLECTOR: Department.COLLECTIONS,
    CS_AGENT: Department.CUSTOMER_SERVICE,
    MARKETING: Department.MARKETING,
    OPERATIONS: Department.OPERATIONS,
    AUDITOR: Department.INTERNAL_AUDIT,
    ADMIN: Department.IT,
}

ROLES: tuple[str, ...] = tuple(ROLE_PERMISSIONS)


def _permissions_by_name(using: str) -> dict[str, Permission]:
    perms = Permission.objects.using(using).select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}": p for p in perms}


def _granted_names(role: str, existing: dict[str, Permission]) -> set[str]:
    if role == ADMIN:
        return set(existing)
    if role == AUDITOR:
        return {name for name in existing if name.split(".", 1)[1].startswith("view_")}
    return {name for name in ROLE_PERMISSIONS[role] if name in existing}


def sync_roles(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Create or update one group per role so it holds exactly its permissions. Idempotent.

    Returns role -> number of permissions granted.
    """
    existing = _permissions_by_name(using)
    granted: dict[str, int] = {}
    with transaction.atomic(using=using):
        for role in ROLES:
            names = _granted_names(role, existing)
            missing = set(ROLE_PERMISSIONS[role]) - names
            if missing:
                logger.debug("role %s: skipping permissions not defined yet: %s", role, missing)
            group, _created = Group.objects.using(using).get_or_create(name=role)
            group.permissions.set([existing[name] for name in names])
            granted[role] = len(names)
    return granted


def sync_roles_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """``post_migrate`` receiver: runs once, after the last app's permissions were created."""
    with_models = [c for c in global_apps.get_app_configs() if c.models_module is not None]
    if with_models and sender is with_models[-1]:
        sync_roles(using=using)
