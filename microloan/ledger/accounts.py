"""The chart of accounts: codes other apps post to, and what each account is.

Other apps refer to accounts by these constants (``gl.LOANS_PRINCIPAL``), never by literal
codes. The ``Account`` table is seeded from the same data (migration 0002); a new account is a
new constant here plus a data migration. Pure module: no ORM.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop

BANK_CLEARING = "1002"
LOANS_PRINCIPAL = "1301"
INTEREST_RECEIVABLE = "1302"
PENALTY_RECEIVABLE = "1303"
LOAN_LOSS_ALLOWANCE = "1309"
UNAPPLIED_RECEIPTS = "2241"
INTEREST_INCOME = "6011"
PENALTY_INCOME = "6012"
FEE_INCOME = "6021"
CREDIT_IMPAIRMENT_LOSS = "6701"

ACCOUNT_CODE_MAX_LENGTH = 8
# Control accounts whose balances the loan sub-ledger holds loan by loan: only lending posts
# to them (a manual line here would split the books; ``lending reconcile`` checks them).
LOAN_SUBLEDGER_ACCOUNTS = frozenset(
    {LOANS_PRINCIPAL, INTEREST_RECEIVABLE, PENALTY_RECEIVABLE, UNAPPLIED_RECEIPTS}
)

ASSET = "asset"
LIABILITY = "liability"
INCOME = "income"
EXPENSE = "expense"
CONTRA_ASSET = "contra_asset"
ACCOUNT_TYPES = (ASSET, LIABILITY, INCOME, EXPENSE, CONTRA_ASSET)

DEBIT = "debit"
CREDIT = "credit"
NORMAL_SIDES = (DEBIT, CREDIT)

# The side on which an account of each type normally carries its balance.
NORMAL_SIDE_OF_TYPE = {
    ASSET: DEBIT,
    EXPENSE: DEBIT,
    LIABILITY: CREDIT,
    INCOME: CREDIT,
    CONTRA_ASSET: CREDIT,
}


@dataclass(frozen=True)
class AccountSpec:
    code: str
    name: str  # English msgid, stored in ``Account.name``; ``label`` is the translation
    account_type: str

    @property
    def label(self) -> str:
        return gettext(self.name)

    @property
    def normal_side(self) -> str:
        return NORMAL_SIDE_OF_TYPE[self.account_type]


CHART: tuple[AccountSpec, ...] = (
    AccountSpec(BANK_CLEARING, gettext_noop("Bank clearing"), ASSET),
    AccountSpec(LOANS_PRINCIPAL, gettext_noop("Loans receivable - principal"), ASSET),
    AccountSpec(INTEREST_RECEIVABLE, gettext_noop("Interest receivable"), ASSET),
    AccountSpec(PENALTY_RECEIVABLE, gettext_noop("Penalty interest receivable"), ASSET),
    AccountSpec(LOAN_LOSS_ALLOWANCE, gettext_noop("Loan loss allowance"), CONTRA_ASSET),
    AccountSpec(UNAPPLIED_RECEIPTS, gettext_noop("Unapplied receipts"), LIABILITY),
    AccountSpec(INTEREST_INCOME, gettext_noop("Interest income"), INCOME),
    AccountSpec(PENALTY_INCOME, gettext_noop("Penalty interest income"), INCOME),
    AccountSpec(FEE_INCOME, gettext_noop("Fee income"), INCOME),
    AccountSpec(CREDIT_IMPAIRMENT_LOSS, gettext_noop("Credit impairment loss"), EXPENSE),
)

CHART_BY_CODE: dict[str, AccountSpec] = {spec.code: spec for spec in CHART}
