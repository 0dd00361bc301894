"""Seed the minimum chart of accounts (DESIGN.md, "Ledger").

The rows are written out here rather than read from ``ledger.accounts`` so this migration keeps
meaning what it meant when it ran; ``test_chart`` checks the two agree.
"""

from django.db import migrations

CHART = [
    # code, English name (msgid), type, normal side
    ("1002", "Bank clearing", "asset", "debit"),
    ("1301", "Loans receivable - principal", "asset", "debit"),
    ("1302", "Interest receivable", "asset", "debit"),
    ("1303", "Penalty interest receivable", "asset", "debit"),
    ("1309", "Loan loss allowance", "contra_asset", "credit"),
    ("2241", "Unapplied receipts", "liability", "credit"),
    ("6011", "Interest income", "income", "credit"),
    ("6012", "Penalty interest income", "income", "credit"),
    ("6021", "Fee income", "income", "credit"),
    ("6701", "Credit impairment loss", "expense", "debit"),
]


def seed(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    for code, name, account_type, normal_side in CHART:
        Account.objects.update_or_create(
            code=code,
            defaults={"name": name, "account_type": account_type, "normal_side": normal_side},
        )


def unseed(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    Account.objects.filter(code__in=[row[0] for row in CHART]).delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
