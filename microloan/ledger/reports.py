"""Reading the general ledger: entries, trial balance, account statements and balances.

Every total is one grouped SQL aggregate; a statement's running balance is a window sum, so a
page of a long statement is as cheap as the first. Balances are read on each account's normal
side (``domain.normal_balance``): positive when an asset or expense has a debit balance, or a
liability, income or contra-asset account a credit balance. No permission checks here: the API
declares ``ledger.view_journalentry`` on its routes, and other apps call these internally
(reconciliation, tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet, Sum, Window
from django.db.models.expressions import RowRange
from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import NotFound, ValidationFailed

from .accounts import DEBIT
from .domain import normal_balance
from .models import Account, JournalEntry, JournalLine

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
NO_PRODUCT = ""  # the product key of lines posted without a product code


def list_accounts() -> list[Account]:
    return list(Account.objects.order_by("code"))


def _account(code: str) -> Account:
    account = Account.objects.filter(code=code).first()
    if account is None:
        raise NotFound(_("No such ledger account."), code="unknown_account")
    return account


def _normal_sides() -> dict[str, str]:
    return dict(Account.objects.values_list("code", "normal_side"))


def _check_page(page: int, page_size: int) -> None:
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            code="invalid_page",
            fields={"page": _("Pages start at 1; at most %(n)s per page.") % {"n": MAX_PAGE_SIZE}},
        )


def _check_range(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(fields={"date_to": _("The end date is before the start date.")})


# --- entries ---------------------------------------------------------------------------------


def _entries() -> QuerySet[JournalEntry]:
    return JournalEntry.objects.select_related("reverses", "reversed_by").prefetch_related(
        Prefetch("lines", queryset=JournalLine.objects.select_related("account").order_by("id"))
    )


def get_entry(*, entry_id: str) -> JournalEntry:
    """One entry with its lines (``entry.lines.all()``) and reversal links."""
    entry = _entries().filter(public_id=entry_id).first()
    if entry is None:
        raise NotFound(_("No such journal entry."), code="entry_not_found")
    return entry


@dataclass(frozen=True)
class EntryPage:
    items: list[JournalEntry]
    total: int
    page: int
    page_size: int


def list_entries(
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    entry_type: str | None = None,
    loan_id: str | None = None,
    product_code: str | None = None,
    account: str | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> EntryPage:
    """Entries matching every given filter, newest business date first. ``account`` keeps
    entries with at least one line on that account."""
    _check_page(page, page_size)
    _check_range(date_from, date_to)
    entries = JournalEntry.objects.all()
    if date_from:
        entries = entries.filter(business_date__gte=date_from)
    if date_to:
        entries = entries.filter(business_date__lte=date_to)
    if entry_type:
        entries = entries.filter(entry_type=entry_type)
    if loan_id:
        entries = entries.filter(loan_id=loan_id)
    if product_code:
        entries = entries.filter(product_code=product_code)
    if account:
        on_account = JournalLine.objects.filter(entry=OuterRef("pk"), account_id=account)
        entries = entries.filter(Exists(on_account))
    total = entries.count()
    start = (page - 1) * page_size
    ids = list(
        entries.order_by("-business_date", "-id").values_list("id", flat=True)[
            start : start + page_size
        ]
    )
    items = list(_entries().filter(id__in=ids).order_by("-business_date", "-id"))
    return EntryPage(items, total, page, page_size)


# --- trial balance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrialBalanceRow:
    account: Account
    debit_total: int
    credit_total: int

    @property
    def code(self) -> str:
        return self.account.code

    @property
    def balance(self) -> int:
        """On the account's normal side (see the module docstring)."""
        return normal_balance(self.account.normal_side, self.debit_total, self.credit_total)

    @property
    def debit_balance(self) -> int:
        return max(self.debit_total - self.credit_total, 0)

    @property
    def credit_balance(self) -> int:
        return max(self.credit_total - self.debit_total, 0)


@dataclass(frozen=True)
class TrialBalance:
    """Every account of the chart with its turnover and balance; iterating gives the rows."""

    as_of: dt.date | None
    rows: tuple[TrialBalanceRow, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[TrialBalanceRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def total_debit(self) -> int:
        return sum(row.debit_total for row in self.rows)

    @property
    def total_credit(self) -> int:
        return sum(row.credit_total for row in self.rows)

    @property
    def total_debit_balance(self) -> int:
        return sum(row.debit_balance for row in self.rows)

    @property
    def total_credit_balance(self) -> int:
        return sum(row.credit_balance for row in self.rows)

    @property
    def balanced(self) -> bool:
        return (
            self.total_debit == self.total_credit
            and self.total_debit_balance == self.total_credit_balance
        )


def _lines_as_of(as_of: dt.date | None) -> QuerySet[JournalLine]:
    lines = JournalLine.objects.all()
    return lines.filter(business_date__lte=as_of) if as_of else lines


def trial_balance(*, as_of: dt.date | None = None) -> TrialBalance:
    """Debit and credit totals per account of lines dated up to ``as_of`` (all by default),
    from one GROUP BY query. ``.balanced`` says whether the grand totals agree."""
    sums = {
        row["account_id"]: (int(row["debit"] or 0), int(row["credit"] or 0))
        for row in _lines_as_of(as_of)
        .order_by()
        .values("account_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
    }
    rows = tuple(
        TrialBalanceRow(account, *sums.get(account.code, (0, 0))) for account in list_accounts()
    )
    return TrialBalance(as_of=as_of, rows=rows)


# --- statements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    business_date: dt.date
    entry_id: str
    entry_type: str
    description: str
    loan_id: str | None
    debit: int
    credit: int
    balance: int  # running, on the account's normal side, after this line


@dataclass(frozen=True)
class AccountStatement:
    account: Account
    date_from: dt.date
    date_to: dt.date
    loan_id: str | None
    opening_balance: int
    total_debit: int
    total_credit: int
    closing_balance: int
    line_count: int
    lines: list[StatementLine]  # the requested slice (all lines by default)


def _sums(lines: QuerySet[JournalLine]) -> tuple[int, int]:
    totals = lines.order_by().aggregate(debit=Sum("debit"), credit=Sum("credit"))
    return int(totals["debit"] or 0), int(totals["credit"] or 0)


def account_statement(
    *,
    account_code: str,
    date_from: dt.date,
    date_to: dt.date,
    loan_id: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> AccountStatement:
    """Opening balance (lines before ``date_from``), the lines from ``date_from`` to
    ``date_to`` inclusive with a running balance, and the closing balance; optionally for one
    loan's lines only. ``offset``/``limit`` select a slice of the lines; balances and totals
    always cover the whole period."""
    account = _account(account_code)
    _check_range(date_from, date_to)
    lines = JournalLine.objects.filter(account_id=account.code)
    if loan_id:
        lines = lines.filter(loan_id=loan_id)
    side = account.normal_side
    before_debit, before_credit = _sums(lines.filter(business_date__lt=date_from))
    opening = normal_balance(side, before_debit, before_credit)
    period = lines.filter(business_date__gte=date_from, business_date__lte=date_to)
    debit, credit = _sums(period)
    movement = F("debit") - F("credit") if side == DEBIT else F("credit") - F("debit")
    order = [F("business_date").asc(), F("entry_id").asc(), F("id").asc()]
    # The window is evaluated before LIMIT/OFFSET, so every slice carries true running sums.
    running = (
        period.annotate(
            running=Window(Sum(movement), order_by=order, frame=RowRange(start=None, end=0))
        )
        .select_related("entry")
        .order_by(*order)
    )
    chosen = running[offset : offset + limit] if limit is not None else running[offset:]
    return AccountStatement(
        account=account,
        date_from=date_from,
        date_to=date_to,
        loan_id=loan_id,
        opening_balance=opening,
        total_debit=debit,
        total_credit=credit,
        closing_balance=opening + normal_balance(side, debit, credit),
        line_count=period.count(),
        lines=[
            StatementLine(
                business_date=line.business_date,
                entry_id=line.entry.public_id,
                entry_type=line.entry.entry_type,
                description=line.entry.description,
                loan_id=line.loan_id,
                debit=line.debit,
                credit=line.credit,
                balance=opening + int(line.running),
            )
            for line in chosen
        ],
    )


# --- balances for reconciliation -------------------------------------------------------------


def _grouped(
    lines: QuerySet[JournalLine], key: str, account_codes: Iterable[str]
) -> dict[str, dict[str, int]]:
    codes = list(account_codes)
    sides = _normal_sides()
    grouped: dict[str, dict[str, int]] = {}
    for row in (
        lines.filter(account_id__in=codes)
        .order_by()
        .values(key, "account_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
    ):
        balance = normal_balance(sides[row["account_id"]], int(row["debit"]), int(row["credit"]))
        grouped.setdefault(row[key] or NO_PRODUCT, {})[row["account_id"]] = balance
    return grouped


def account_balances(
    *,
    account_codes: Iterable[str] | None = None,
    loan_id: str | None = None,
    product_code: str | None = None,
    as_of: dt.date | None = None,
) -> dict[str, int]:
    """Balance of each account (every account of the chart by default), zero included, on its
    normal side; optionally only lines of one loan or product, dated up to ``as_of``."""
    sides = _normal_sides()
    codes = list(sides) if account_codes is None else list(account_codes)
    lines = _lines_as_of(as_of).filter(account_id__in=codes)
    if loan_id:
        lines = lines.filter(loan_id=loan_id)
    if product_code:
        lines = lines.filter(product_code=product_code)
    sums = {
        row["account_id"]: (int(row["debit"]), int(row["credit"]))
        for row in lines.order_by()
        .values("account_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
    }
    return {code: normal_balance(sides.get(code, DEBIT), *sums.get(code, (0, 0))) for code in codes}


def gl_balances_by_loan(
    *, account_codes: Iterable[str], loan_ids: Iterable[str] | None = None
) -> dict[str, dict[str, int]]:
    """``{loan_id: {account: balance}}`` over lines that name a loan, from one GROUP BY query.
    An account a loan never touched is absent from its dict (read it as 0)."""
    lines = JournalLine.objects.filter(loan_id__isnull=False)
    if loan_ids is not None:
        lines = lines.filter(loan_id__in=list(loan_ids))
    return _grouped(lines, "loan_id", account_codes)


def gl_balances_by_product(*, account_codes: Iterable[str]) -> dict[str, dict[str, int]]:
    """``{product_code: {account: balance}}`` from one GROUP BY query; lines posted without a
    product are under ``NO_PRODUCT`` (""), so they show up in a reconciliation."""
    return _grouped(JournalLine.objects.all(), "product_code", account_codes)
