"""Journal entries for loan money events, and the loan transaction that records each one.

Every money event on a loan is one balanced entry in the ledger (docs/servicing.md, "Ledger
postings") and one ``LoanTransaction`` naming it. The entry's ``source_ref`` is the
transaction's own reference when the caller gave one (a payment id, an API idempotency scope),
so a retried request can never post twice; internal events use the transaction's public id.
"""

from __future__ import annotations

import datetime as dt

from microloan.kernel.actors import Actor
from microloan.kernel.ids import new_public_id
from microloan.ledger import accounts as gl
from microloan.ledger.services import account_balances, gl_balances_by_product, post_entry

from ..models import Loan, LoanTransaction
from .settlement import Applied


def _post(
    *,
    actor: Actor,
    loan: Loan,
    entry_type: str,
    business_date: dt.date,
    debits: dict[str, int],
    credits: dict[str, int],
    source_ref: str,
    description: str,
) -> str:
    lines = [(code, amount, 0) for code, amount in debits.items() if amount > 0]
    lines += [(code, 0, amount) for code, amount in credits.items() if amount > 0]
    if not lines:
        return ""
    entry = post_entry(
        actor=actor,
        entry_type=entry_type,
        business_date=business_date,
        lines=[{"account": code, "debit": dr, "credit": cr} for code, dr, cr in lines],
        description=description,
        loan_id=loan.public_id,
        product_code=loan.product_code,
        source_ref=source_ref,
    )
    return entry.public_id


def _record(
    *,
    actor: Actor,
    loan: Loan,
    kind: str,
    business_date: dt.date,
    amount: int,
    source_ref: str | None,
    entry_type: str,
    debits: dict[str, int],
    credits: dict[str, int],
    principal: int = 0,
    interest: int = 0,
    penalty: int = 0,
    fee: int = 0,
    unapplied: int = 0,
) -> LoanTransaction:
    public_id = new_public_id("ltx")
    journal_entry_id = _post(
        actor=actor,
        loan=loan,
        entry_type=entry_type,
        business_date=business_date,
        debits=debits,
        credits=credits,
        source_ref=source_ref or f"loantxn:{public_id}",
        description=f"{kind} {loan.public_id}",
    )
    return LoanTransaction.objects.create(
        public_id=public_id,
        loan=loan,
        kind=kind,
        business_date=business_date,
        amount=amount,
        principal=principal,
        interest=interest,
        penalty=penalty,
        fee=fee,
        unapplied=unapplied,
        journal_entry_id=journal_entry_id,
        source_ref=source_ref,
        actor_id=actor.label[:160],
    )


def record_disbursement(*, actor: Actor, loan: Loan, business_date: dt.date) -> LoanTransaction:
    """Dr 1301 loans receivable / Cr 1002 bank clearing, the whole principal."""
    return _record(
        actor=actor,
        loan=loan,
        kind=LoanTransaction.Kind.DISBURSEMENT,
        business_date=business_date,
        amount=loan.principal,
        principal=loan.principal,
        source_ref=f"disbursement:{loan.public_id}",
        entry_type="disbursement",
        debits={gl.LOANS_PRINCIPAL: loan.principal},
        credits={gl.BANK_CLEARING: loan.principal},
    )


def record_payment(
    *,
    actor: Actor,
    loan: Loan,
    kind: str,
    business_date: dt.date,
    cash_in: int,
    applied: Applied,
    unapplied_change: int,
    source_ref: str | None,
    fee: int = 0,
) -> LoanTransaction:
    """Dr 1002 cash received (and Dr 2241 credit used) / Cr 1303, 1302, 1301 by the split,
    Cr 6021 the fee, Cr 2241 what is left over. ``unapplied_change`` is the change in the
    loan's held credit: positive when money is put aside, negative when held money was used."""
    return _record(
        actor=actor,
        loan=loan,
        kind=kind,
        business_date=business_date,
        amount=cash_in,
        principal=applied.principal,
        interest=applied.interest,
        penalty=applied.penalty,
        fee=fee,
        unapplied=unapplied_change,
        source_ref=source_ref,
        entry_type=kind,
        debits={gl.BANK_CLEARING: cash_in, gl.UNAPPLIED_RECEIPTS: max(-unapplied_change, 0)},
        credits={
            gl.PENALTY_RECEIVABLE: applied.penalty,
            gl.INTEREST_RECEIVABLE: applied.interest,
            gl.LOANS_PRINCIPAL: applied.principal,
            gl.FEE_INCOME: fee,
            gl.UNAPPLIED_RECEIPTS: max(unapplied_change, 0),
        },
    )


def record_refund(
    *, actor: Actor, loan: Loan, business_date: dt.date, amount: int, source_ref: str | None
) -> LoanTransaction:
    """Dr 2241 unapplied receipts / Cr 1002 bank clearing."""
    return _record(
        actor=actor,
        loan=loan,
        kind=LoanTransaction.Kind.REFUND,
        business_date=business_date,
        amount=amount,
        unapplied=-amount,
        source_ref=source_ref,
        entry_type="refund",
        debits={gl.UNAPPLIED_RECEIPTS: amount},
        credits={gl.BANK_CLEARING: amount},
    )


def record_write_off(
    *,
    actor: Actor,
    loan: Loan,
    business_date: dt.date,
    written_off: Applied,
    credit_used: Applied,
    allowance_used: int,
) -> LoanTransaction:
    """Dr 2241 held credit used first, Dr 1309 allowance (up to the product's balance), Dr 6701
    for the rest / Cr 1303, 1302, 1301 everything the loan still carried."""
    total = written_off.total
    return _record(
        actor=actor,
        loan=loan,
        kind=LoanTransaction.Kind.WRITE_OFF,
        business_date=business_date,
        amount=total,
        principal=written_off.principal + credit_used.principal,
        interest=written_off.interest + credit_used.interest,
        penalty=written_off.penalty + credit_used.penalty,
        unapplied=-credit_used.total,
        source_ref=f"writeoff:{loan.public_id}",
        entry_type="write_off",
        debits={
            gl.UNAPPLIED_RECEIPTS: credit_used.total,
            gl.LOAN_LOSS_ALLOWANCE: allowance_used,
            gl.CREDIT_IMPAIRMENT_LOSS: total - allowance_used,
        },
        credits={
            gl.PENALTY_RECEIVABLE: written_off.penalty + credit_used.penalty,
            gl.INTEREST_RECEIVABLE: written_off.interest + credit_used.interest,
            gl.LOANS_PRINCIPAL: written_off.principal + credit_used.principal,
        },
    )


def record_without_entry(
    *, actor: Actor, loan: Loan, kind: str, business_date: dt.date
) -> LoanTransaction:
    """A loan event that moves no money between accounts (a restructuring)."""
    return _record(
        actor=actor,
        loan=loan,
        kind=kind,
        business_date=business_date,
        amount=0,
        source_ref=None,
        entry_type=kind,
        debits={},
        credits={},
    )


def allowance_balance(product_code: str) -> int:
    """The loan loss allowance (1309) the product holds, as a positive (credit) balance."""
    balances = account_balances(account_codes=[gl.LOAN_LOSS_ALLOWANCE], product_code=product_code)
    return max(balances[gl.LOAN_LOSS_ALLOWANCE], 0)


def balances_by_product(account_codes: list[str]) -> dict[str, dict[str, int]]:
    """GL balances on each account's normal side, per product (reconciliation)."""
    return gl_balances_by_product(account_codes=account_codes)
