"""End of day's journal entries: one aggregated entry per product per step and partition.

``source_ref`` = ``eod:<step>:<D>:<product>:<partition>``. The ledger skips a draft whose
reference is already posted (the same posting) and refuses a different one, so a partition
rerun can never post twice — and the checkpoint, committed in the same transaction as the
postings, normally stops it from running at all.
"""

from __future__ import annotations

from microloan.batch.registry import StepContext
from microloan.ledger import accounts as gl
from microloan.ledger.domain import EntryDraft, EntryType
from microloan.ledger.services import gl_balances_by_product, post_entries_bulk


def _draft(
    ctx: StepContext,
    *,
    step: str,
    entry_type: str,
    product_code: str,
    debit: str,
    credit: str,
    amount: int,
    description: str,
) -> EntryDraft:
    if amount < 0:  # a reversal: same accounts, sides swapped
        debit, credit, amount = credit, debit, -amount
    return EntryDraft.of(
        entry_type=entry_type,
        business_date=ctx.business_date,
        lines=[
            {"account": debit, "debit": amount, "credit": 0},
            {"account": credit, "debit": 0, "credit": amount},
        ],
        description=f"{description} {ctx.business_date.isoformat()} {product_code}"
        f" #{ctx.partition.index}",
        product_code=product_code,
        source_ref=ctx.source_ref(step, product_code),
    )


def _post_totals(ctx: StepContext, totals: dict[str, int], **entry) -> int:
    drafts = [
        _draft(ctx, product_code=product, amount=amount, **entry)
        for product, amount in sorted(totals.items())
        if amount
    ]
    return post_entries_bulk(actor=ctx.actor, drafts=drafts) if drafts else 0


def post_interest_accrual(ctx: StepContext, totals: dict[str, int]) -> int:
    """Dr 1302 interest receivable / Cr 6011 interest income, per product."""
    return _post_totals(
        ctx,
        totals,
        step="accrue_interest",
        entry_type=EntryType.INTEREST_ACCRUAL,
        debit=gl.INTEREST_RECEIVABLE,
        credit=gl.INTEREST_INCOME,
        description="interest accrual",
    )


def post_penalty_accrual(ctx: StepContext, totals: dict[str, int]) -> int:
    """Dr 1303 penalty receivable / Cr 6012 penalty income, per product."""
    return _post_totals(
        ctx,
        totals,
        step="penalty",
        entry_type=EntryType.PENALTY_ACCRUAL,
        debit=gl.PENALTY_RECEIVABLE,
        credit=gl.PENALTY_INCOME,
        description="penalty accrual",
    )


def post_provisions(ctx: StepContext, changes: dict[str, int]) -> int:
    """Per product: raise the allowance (Dr 6701 / Cr 1309) or release it (the reverse)."""
    return _post_totals(
        ctx,
        changes,
        step="provisions",
        entry_type=EntryType.PROVISION,
        debit=gl.CREDIT_IMPAIRMENT_LOSS,
        credit=gl.LOAN_LOSS_ALLOWANCE,
        description="loan loss provision",
    )


def allowance_balances() -> dict[str, int]:
    """The loan loss allowance (1309) each product holds, as a credit balance."""
    by_product = gl_balances_by_product(account_codes=[gl.LOAN_LOSS_ALLOWANCE])
    return {
        product: balances.get(gl.LOAN_LOSS_ALLOWANCE, 0)
        for product, balances in by_product.items()
        if product  # lines without a product are no product's allowance
    }
