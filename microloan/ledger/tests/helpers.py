"""Shared test data: a fixed business date and two-line entries."""

import datetime as dt

from microloan.ledger import accounts as gl

TODAY = dt.date(2026, 3, 10)


def dr_cr(debit_account: str, credit_account: str, amount: int) -> list[dict]:
    """The two lines of a simple entry: Dr ``debit_account`` / Cr ``credit_account``."""
    return [
        {"account": debit_account, "debit": amount, "credit": 0},
        {"account": credit_account, "debit": 0, "credit": amount},
    ]


def disbursement_lines(amount: int) -> list[dict]:
    return dr_cr(gl.LOANS_PRINCIPAL, gl.BANK_CLEARING, amount)
