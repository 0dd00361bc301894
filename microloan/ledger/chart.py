"""Keeps the seeded chart of accounts present after a database flush.

Migration 0002 seeds the chart. ``flush`` (run by ``TransactionTestCase`` / ``transactional_db``
tests between tests) empties every table and then sends ``post_migrate``, the way Django
restores permissions and content types; this handler puts back any account that is missing.
It only inserts, never changes an existing row.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

from .accounts import CHART


def restore_chart_after_flush(
    sender, *, apps=global_apps, using=DEFAULT_DB_ALIAS, **kwargs
) -> None:
    # ``migrate`` passes the migrated state's ``apps``; ``flush`` passes none.
    try:
        Account = apps.get_model("ledger", "Account")
    except LookupError:  # the ledger is migrated back to zero: nothing to restore
        return
    Account.objects.using(using).bulk_create(
        [
            Account(
                code=spec.code,
                name=spec.name,
                account_type=spec.account_type,
                normal_side=spec.normal_side,
            )
            for spec in CHART
        ],
        ignore_conflicts=True,
    )
