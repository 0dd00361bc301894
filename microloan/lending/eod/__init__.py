"""Lending's end of day: the set-based steps on the loan book, and the reads of it other apps'
end-of-day hooks make (through lending.interface).

``register_eod_steps`` (called from LendingConfig.ready) fills batch.registry's core steps —
mark_due → accrue_interest → delinquency → penalty → classification → provisions, and the
closing portfolio_snapshot — and gives batch the loan book it partitions a run by.
"""

from __future__ import annotations


def register_eod_steps() -> None:
    from microloan.batch.registry import register_core_step, register_loan_book

    from .queries import active_loan_book
    from .steps import CORE_STEPS

    for name, (run, partitioned) in CORE_STEPS.items():
        register_core_step(name, run=run, partitioned=partitioned)
    register_loan_book(active_loan_book)
