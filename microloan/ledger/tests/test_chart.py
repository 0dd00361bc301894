"""The chart of accounts as data: seeded by migration, translated, kept after a flush."""

import importlib

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db.migrations.state import StateApps
from django.utils import translation

from microloan.ledger import accounts as gl
from microloan.ledger.chart import restore_chart_after_flush
from microloan.ledger.models import Account
from microloan.ledger.services import list_accounts

pytestmark = pytest.mark.django_db

seed_migration = importlib.import_module("microloan.ledger.migrations.0002_seed_chart_of_accounts")


def stored_chart():
    return [
        (a.code, a.name, a.account_type, a.normal_side) for a in Account.objects.order_by("code")
    ]


def test_the_migration_seeds_exactly_the_chart_of_the_accounts_module():
    expected = [(s.code, s.name, s.account_type, s.normal_side) for s in gl.CHART]
    assert stored_chart() == sorted(expected)
    assert sorted(seed_migration.CHART) == sorted(expected)


@pytest.mark.parametrize(
    ("language", "code", "name"),
    [
        ("zh-hans", gl.BANK_CLEARING, "银行清算"),
        ("zh-hans", gl.LOAN_LOSS_ALLOWANCE, "贷款损失准备"),
        ("zh-hans", gl.UNAPPLIED_RECEIPTS, "待分配还款"),
        ("en", gl.BANK_CLEARING, "Bank clearing"),
        ("en", gl.CREDIT_IMPAIRMENT_LOSS, "Credit impairment loss"),
    ],
)
def test_account_names_are_shown_in_the_active_language(language, code, name):
    with translation.override(language):
        assert Account.objects.get(code=code).label == name
        assert gl.CHART_BY_CODE[code].label == name


def test_every_account_name_has_a_chinese_translation():
    with translation.override("zh-hans"):
        untranslated = [a.code for a in list_accounts() if a.label == a.name]
    assert untranslated == []


def test_nothing_is_restored_while_the_ledger_is_not_migrated():
    Account.objects.filter(code=gl.FEE_INCOME).delete()
    restore_chart_after_flush(sender=None, apps=StateApps([], {}), using="default")
    assert not Account.objects.filter(code=gl.FEE_INCOME).exists()


def test_accounts_missing_after_a_flush_are_restored_and_others_left_alone():
    Account.objects.filter(code__in=[gl.FEE_INCOME, gl.BANK_CLEARING]).delete()
    Account.objects.filter(code=gl.INTEREST_INCOME).update(name="Renamed on purpose")
    emit_post_migrate_signal(0, False, "default")  # what ``flush`` sends: no ``apps``
    assert Account.objects.count() == len(gl.CHART)
    assert Account.objects.get(code=gl.INTEREST_INCOME).name == "Renamed on purpose"
