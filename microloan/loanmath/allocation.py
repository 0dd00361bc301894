"""How a repayment is split over what the borrower owes (pure: no ORM, no clock).

The caller passes the instalments whose amounts may be collected now, each with what is still
outstanding of it, and the product's allocation order. The order names five components:

- ``penalty``: penalty interest of any instalment passed in;
- ``overdue_interest`` / ``overdue_principal``: interest / principal of instalments with
  ``is_overdue=True`` (past their due date and its grace, as the caller decides);
- ``current_interest`` / ``current_principal``: interest / principal of the other
  instalments passed in (due today, or the current instalment when the caller lets a borrower
  pay it ahead of its due date).

The amount runs through the components in the configured order; within a component it pays
the oldest instalment first (earliest due date, then lowest number) before the next one. It
never pays more than is outstanding; what is left after every component is ``unapplied``
(an overpayment the servicing layer holds as unapplied receipts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from microloan.kernel.errors import ValidationFailed

PENALTY = "penalty"
OVERDUE_INTEREST = "overdue_interest"
OVERDUE_PRINCIPAL = "overdue_principal"
CURRENT_INTEREST = "current_interest"
CURRENT_PRINCIPAL = "current_principal"
COMPONENTS = (PENALTY, OVERDUE_INTEREST, OVERDUE_PRINCIPAL, CURRENT_INTEREST, CURRENT_PRINCIPAL)
DEFAULT_ORDER = COMPONENTS

# component -> (field of InstalmentDue it draws from, which instalments: True overdue,
# False current, None all)
_SOURCES: dict[str, tuple[str, bool | None]] = {
    PENALTY: ("penalty_due", None),
    OVERDUE_INTEREST: ("interest_due", True),
    OVERDUE_PRINCIPAL: ("principal_due", True),
    CURRENT_INTEREST: ("interest_due", False),
    CURRENT_PRINCIPAL: ("principal_due", False),
}
_KIND = {"penalty_due": "penalty", "interest_due": "interest", "principal_due": "principal"}


@dataclass(frozen=True, slots=True)
class InstalmentDue:
    """What is still outstanding of one instalment, in fen."""

    number: int
    due_date: date
    is_overdue: bool
    principal_due: int
    interest_due: int
    penalty_due: int = 0


@dataclass(frozen=True, slots=True)
class AppliedToInstalment:
    """What a payment paid of one instalment, in fen."""

    number: int
    due_date: date
    is_overdue: bool
    penalty: int
    interest: int
    principal: int

    @property
    def total(self) -> int:
        return self.penalty + self.interest + self.principal


@dataclass(frozen=True, slots=True)
class Allocation:
    """The split of one payment: one row per instalment passed in, oldest first."""

    amount: int
    instalments: tuple[AppliedToInstalment, ...]
    unapplied: int

    @property
    def penalty(self) -> int:
        return sum(row.penalty for row in self.instalments)

    @property
    def interest(self) -> int:
        return sum(row.interest for row in self.instalments)

    @property
    def principal(self) -> int:
        return sum(row.principal for row in self.instalments)

    @property
    def applied(self) -> int:
        return self.amount - self.unapplied

    def component_totals(self) -> dict[str, int]:
        """Amount applied per component name (the five names of the allocation order)."""
        rows = self.instalments
        return {
            PENALTY: self.penalty,
            OVERDUE_INTEREST: sum(r.interest for r in rows if r.is_overdue),
            OVERDUE_PRINCIPAL: sum(r.principal for r in rows if r.is_overdue),
            CURRENT_INTEREST: sum(r.interest for r in rows if not r.is_overdue),
            CURRENT_PRINCIPAL: sum(r.principal for r in rows if not r.is_overdue),
        }


def _invalid(code: str, field: str, message) -> ValidationFailed:
    return ValidationFailed(code=code, fields={field: message})


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_allocation_order(order: Sequence[str], field: str = "order") -> tuple[str, ...]:
    """``order`` as a tuple if it names each of the five components exactly once."""
    if (
        isinstance(order, str)
        or not all(isinstance(component, str) for component in order)
        or sorted(order) != sorted(COMPONENTS)
    ):
        raise _invalid(
            "invalid_allocation_order",
            field,
            _("The order must name each of %(components)s exactly once.")
            % {"components": ", ".join(COMPONENTS)},
        )
    return tuple(order)


def _check_instalments(instalments: Sequence[InstalmentDue]) -> None:
    numbers = set()
    for index, row in enumerate(instalments):
        amounts = (row.principal_due, row.interest_due, row.penalty_due)
        if not all(_is_whole(value) and value >= 0 for value in amounts):
            raise _invalid(
                "invalid_amount_due",
                f"instalments[{index}]",
                _("Amounts due must be whole numbers of fen, not negative."),
            )
        if row.number in numbers:
            raise _invalid(
                "duplicate_instalment",
                f"instalments[{index}]",
                _("Each instalment may appear once."),
            )
        numbers.add(row.number)


def allocate_payment(
    *, amount: int, instalments: Sequence[InstalmentDue], order: Sequence[str] = DEFAULT_ORDER
) -> Allocation:
    """Split ``amount`` (fen, ≥ 0) over ``instalments`` by ``order`` (see the module doc)."""
    if not _is_whole(amount) or amount < 0:
        raise _invalid(
            "invalid_amount", "amount", _("The amount must be a whole number of fen, not negative.")
        )
    order = check_allocation_order(order)
    _check_instalments(instalments)
    oldest_first = sorted(instalments, key=lambda row: (row.due_date, row.number))
    paid = [{"penalty": 0, "interest": 0, "principal": 0} for _row in oldest_first]
    remaining = amount
    for component in order:
        source, overdue = _SOURCES[component]
        for index, row in enumerate(oldest_first):
            if remaining == 0:
                break
            if overdue is not None and bool(row.is_overdue) != overdue:
                continue
            part = min(getattr(row, source), remaining)
            paid[index][_KIND[source]] += part
            remaining -= part
    return Allocation(
        amount=amount,
        instalments=tuple(
            AppliedToInstalment(
                number=row.number,
                due_date=row.due_date,
                is_overdue=row.is_overdue,
                **parts,
            )
            for row, parts in zip(oldest_first, paid, strict=True)
        ),
        unapplied=remaining,
    )
