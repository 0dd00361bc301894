"""The ordered steps of end of day, and the slots the apps fill.

Order for business date D (docs/servicing.md explains mark-due before accrue)::

    mark_due → accrue_interest → delinquency → penalty → classification → provisions
    → [auto_debit] → [reminders] → [collections] → [early_warning] → [analytics]
    → portfolio_snapshot

then the run completes and the business date moves to D + 1. Steps are barriers: every
partition of one step commits before any partition of the next starts.

Batch runs the steps and knows no app's tables. The core steps (CORE_STEP_ORDER, and the
closing CLOSING_STEP_ORDER) are set-based SQL on the loans, so lending registers them from its
``AppConfig.ready()`` with ``register_core_step`` (lending.eod), together with the loan book
(``register_loan_book``) a run sizes its id-range partitions from.

A later app adds its work to a slot from its ``AppConfig.ready()``::

    from microloan.batch.registry import register_hook

    def open_collection_cases(ctx):          # ctx: StepContext
        ...set-based work for ctx.business_date on loans ctx.partition.lo <= id < .hi...
        return rows_touched

    register_hook("collections", name="collections.open_cases", run=open_collection_cases,
                  partitioned=True)

Each hook is its own checkpointed step named ``name``: one transaction per partition (or one
in all when ``partitioned=False``, with a partition spanning every loan id), committed
together with its checkpoint, and never rerun for a date once checkpointed. A hook must be
idempotent for its (date, partition) — it runs again if the process dies before the commit —
and must send outside effects (SMS, bank orders) only after commit (outbox or on_commit).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from microloan.kernel.actors import Actor

CORE_STEP_ORDER = (
    "mark_due",
    "accrue_interest",
    "delinquency",
    "penalty",
    "classification",
    "provisions",
)
HOOK_SLOTS = ("auto_debit", "reminders", "collections", "early_warning", "analytics")
CLOSING_STEP_ORDER = ("portfolio_snapshot",)
STEP_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
STEP_NAME_MAX_LENGTH = 64


@dataclass(frozen=True)
class Partition:
    index: int
    lo: int  # loans with lo <= id < hi
    hi: int


@dataclass(frozen=True)
class StepContext:
    """What a step runs on: the date, the id range, the system actor postings are made by."""

    run_id: str  # the run's public id
    business_date: dt.date
    actor: Actor
    partition: Partition

    def source_ref(self, step: str, product_code: str) -> str:
        """The ledger ``source_ref`` of a step's aggregated posting for one product."""
        return f"eod:{step}:{self.business_date.isoformat()}:{product_code}:{self.partition.index}"


@dataclass(frozen=True)
class EodStep:
    name: str
    run: Callable[[StepContext], int]  # returns rows touched; runs inside the transaction
    partitioned: bool = True


@dataclass(frozen=True)
class LoanBook:
    """The active loans a run partitions: how many, and their lowest and highest id."""

    active: int
    lowest_id: int | None  # None when there is no active loan
    highest_id: int | None


_core: dict[str, EodStep] = {}
_hooks: dict[str, list[EodStep]] = {slot: [] for slot in HOOK_SLOTS}
_loan_book: list[Callable[[], LoanBook]] = []


def register_core_step(
    name: str, *, run: Callable[[StepContext], int], partitioned: bool = True
) -> EodStep:
    """Fill the core step ``name`` (one of CORE_STEP_ORDER or CLOSING_STEP_ORDER): it runs at
    that name's place in the order. Registering a name again replaces the step."""
    if name not in CORE_STEP_ORDER + CLOSING_STEP_ORDER:
        raise ValueError(f"unknown end-of-day core step {name!r}")
    step = EodStep(name=name, run=run, partitioned=partitioned)
    _core[name] = step
    return step


def missing_core_steps() -> list[str]:
    """The core steps nobody registered (a run refuses to start without them)."""
    return [name for name in CORE_STEP_ORDER + CLOSING_STEP_ORDER if name not in _core]


def register_loan_book(summary: Callable[[], LoanBook]) -> None:
    """Set the query a run sizes its partitions from (lending's active loans)."""
    _loan_book[:] = [summary]


def loan_book() -> LoanBook:
    if not _loan_book:
        raise RuntimeError("no loan book is registered for end of day (lending registers it)")
    return _loan_book[0]()


def register_hook(
    slot: str, *, name: str, run: Callable[[StepContext], int], partitioned: bool = False
) -> EodStep:
    """Add ``run`` to ``slot`` (one of HOOK_SLOTS) as the step ``name`` ("app.what")."""
    if slot not in _hooks:
        raise ValueError(f"unknown end-of-day hook slot {slot!r}; one of {HOOK_SLOTS}")
    if not STEP_NAME_PATTERN.match(name) or len(name) > STEP_NAME_MAX_LENGTH:
        raise ValueError(f"hook name must be dotted lower-case words, got {name!r}")
    if name in {step.name for step in eod_steps()} or name in CORE_STEP_ORDER + CLOSING_STEP_ORDER:
        raise ValueError(f"an end-of-day step named {name!r} exists already")
    step = EodStep(name=name, run=run, partitioned=partitioned)
    _hooks[slot].append(step)
    return step


def unregister_hook(name: str) -> None:
    """Remove the hook ``name`` (tests, and apps that switch a hook off)."""
    for steps in _hooks.values():
        steps[:] = [step for step in steps if step.name != name]


def hooks(slot: str) -> list[EodStep]:
    return list(_hooks[slot])


def eod_steps() -> list[EodStep]:
    """Every registered step of a run, in order."""
    return [
        *(_core[name] for name in CORE_STEP_ORDER if name in _core),
        *(hook for slot in HOOK_SLOTS for hook in _hooks[slot]),
        *(_core[name] for name in CLOSING_STEP_ORDER if name in _core),
    ]
