"""Portfolio analytics as pure computations: no ORM, no clock, exact integers in, exact out.

Each measure comes in two halves. An *aggregator* turns loan-level records into small grouped
totals (used by the tests and for small books); a *finisher* turns grouped totals into the
figures shown (shares, matrices, curves). The services compute the same grouped totals with
one SQL ``GROUP BY`` over the month-end table, so a million loans never travel into Python,
and hand them to the same finishers.

Money is integer fen. Percentages are ``Decimal`` percent with two places (``Decimal("12.50")``
= 12.5 %). Where parts of one whole are shown (a matrix row, a distribution) they are rounded
by largest remainder so they add up to exactly 100.00; a ratio with a zero denominator is
``None`` (undefined, not 0 %).

Buckets: ``current`` (DPD 0), ``M1`` 1–30, ``M2`` 31–60, ``M3`` 61–90, ``M3+`` over 90
(``kernel.regulation``); a loan leaves the book as ``written_off`` or ``closed`` (paid off).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from microloan.kernel.regulation import bucket_index

CURRENT, M1, M2, M3, M3_PLUS = "current", "M1", "M2", "M3", "M3+"
WRITTEN_OFF, CLOSED = "written_off", "closed"
BUCKETS = (CURRENT, M1, M2, M3, M3_PLUS)  # DPD buckets of a loan on the book
EXITS = (WRITTEN_OFF, CLOSED)  # how a loan leaves the book
STATES = BUCKETS + EXITS
SNAPSHOT_BUCKETS = {"M0": CURRENT, M1: M1, M2: M2, M3: M3, M3_PLUS: M3_PLUS}  # batch → ours
VINTAGE_METRICS = {"30+": 30, "90+": 90}  # metric → DPD it must exceed
PLACES = 2
_HUNDRED = 100


def bucket_of(dpd: int) -> str:
    """The DPD bucket of a loan on the book (bounds: kernel.regulation.BUCKET_MAX_DPD)."""
    return BUCKETS[bucket_index(dpd)]


# --- percentages -------------------------------------------------------------------------------


def percent(part: int, whole: int, places: int = PLACES) -> Decimal | None:
    """``part / whole`` in percent, rounded half-up to ``places``; None when ``whole`` is 0."""
    if whole == 0:
        return None
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(part) * _HUNDRED / Decimal(whole)).quantize(quantum, rounding=ROUND_HALF_UP)


def shares(parts: Sequence[int], places: int = PLACES) -> list[Decimal]:
    """Each part's share of the total in percent, adding up to exactly 100 (largest remainder).

    Every share is first rounded down to ``places``; the units still missing to reach 100 go,
    one each, to the parts with the largest remainders (ties: the earlier part). All zero when
    the total is zero.
    """
    total = sum(parts)
    if any(part < 0 for part in parts):
        raise ValueError("shares of negative parts are undefined")
    unit = 10**places
    if total == 0:
        return [Decimal(0).scaleb(-places)] * len(parts)
    scaled = [part * _HUNDRED * unit for part in parts]
    floors = [value // total for value in scaled]
    missing = _HUNDRED * unit - sum(floors)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(scaled[i] % total), i))
    for index in by_remainder[:missing]:
        floors[index] += 1
    return [Decimal(value).scaleb(-places) for value in floors]


# --- outstanding and bucket distribution (from the daily portfolio snapshot) -------------------


@dataclass(frozen=True)
class SnapshotRow:
    """One row of batch.PortfolioSnapshot for a date (what these figures need of it)."""

    product_code: str
    category: str
    dpd_bucket: str  # batch's names: M0 … M3+
    loan_count: int
    principal_outstanding: int
    overdue_principal: int = 0


@dataclass(frozen=True)
class Group:
    key: str
    loans: int
    principal: int
    overdue_principal: int
    loans_share: Decimal
    principal_share: Decimal


def _groups(totals: Mapping[str, list[int]], order: Sequence[str]) -> list[Group]:
    keys = list(order) + sorted(k for k in totals if k not in order)
    rows = [(key, *totals.get(key, (0, 0, 0))) for key in keys]
    loan_shares = shares([loans for _key, loans, _p, _o in rows])
    principal_shares = shares([principal for _key, _l, principal, _o in rows])
    return [
        Group(key, loans, principal, overdue, loans_share, principal_share)
        for (key, loans, principal, overdue), loans_share, principal_share in zip(
            rows, loan_shares, principal_shares, strict=True
        )
    ]


def outstanding_by(rows: Iterable[SnapshotRow], key: str, order: Sequence[str] = ()) -> list[Group]:
    """Loans and principal outstanding grouped by ``key`` ("product_code" or "category").

    ``order`` lists keys to show first, and always (with zeros when absent); others follow
    sorted. Shares are of the whole book on that date.
    """
    if key not in ("product_code", "category"):
        raise ValueError(f"cannot group the portfolio by {key!r}")
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        group = totals[getattr(row, key)]
        group[0] += row.loan_count
        group[1] += row.principal_outstanding
        group[2] += row.overdue_principal
    return _groups(totals, order)


def bucket_distribution(rows: Iterable[SnapshotRow]) -> list[Group]:
    """Loans and principal per DPD bucket, every bucket present, shares adding up to 100."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        group = totals[SNAPSHOT_BUCKETS[row.dpd_bucket]]
        group[0] += row.loan_count
        group[1] += row.principal_outstanding
        group[2] += row.overdue_principal
    return _groups(totals, BUCKETS)


# --- roll rates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoanState:
    """One loan at one month end, as the month-end snapshot holds it."""

    loan_id: int
    bucket: str
    principal: int = 0  # principal outstanding (written off: the principal written off)
    overdue_amount: int = 0
    vintage: dt.date | None = None
    months_on_book: int = 0
    dpd: int = 0
    disbursed_principal: int = 0


@dataclass(frozen=True)
class Transition:
    """Loans that went from ``from_bucket`` at one month end to ``to_state`` at the next,
    with their principal at the first month end (roll rates weigh by the balance that rolled)."""

    from_bucket: str
    to_state: str
    loans: int
    principal: int


def transitions(start: Iterable[LoanState], end: Iterable[LoanState]) -> list[Transition]:
    """Count the moves of every loan on the book at ``start`` to its state at ``end``.

    Loans that had already left the book at ``start`` (written off or closed in that month)
    are not on the book and are skipped. A loan on the book at ``start`` and missing at
    ``end`` can only have left it: it counts as ``closed``.
    """
    later = {loan.loan_id: loan.bucket for loan in end}
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for loan in start:
        if loan.bucket not in BUCKETS:
            continue
        cell = totals[(loan.bucket, later.get(loan.loan_id, CLOSED))]
        cell[0] += 1
        cell[1] += loan.principal
    return [Transition(f, t, loans, principal) for (f, t), (loans, principal) in totals.items()]


@dataclass(frozen=True)
class RollCell:
    to_state: str
    loans: int
    principal: int
    loans_pct: Decimal
    principal_pct: Decimal


@dataclass(frozen=True)
class RollRow:
    from_bucket: str
    loans: int
    principal: int
    cells: list[RollCell]


def roll_rate_matrix(moves: Iterable[Transition]) -> list[RollRow]:
    """The transition matrix: a row per bucket at the start, a column per state at the end.

    Counts and balances of several month pairs may be given together (they add up, giving the
    pooled roll rate over the period). Each non-empty row's percentages add up to 100.00, by
    count and by balance separately.
    """
    grid: dict[str, dict[str, list[int]]] = {b: {s: [0, 0] for s in STATES} for b in BUCKETS}
    for move in moves:
        if move.from_bucket not in BUCKETS or move.to_state not in STATES:
            raise ValueError(f"unknown transition {move.from_bucket!r} → {move.to_state!r}")
        cell = grid[move.from_bucket][move.to_state]
        cell[0] += move.loans
        cell[1] += move.principal
    matrix = []
    for bucket in BUCKETS:
        cells = [grid[bucket][state] for state in STATES]
        loan_pcts = shares([loans for loans, _p in cells])
        principal_pcts = shares([principal for _l, principal in cells])
        matrix.append(
            RollRow(
                from_bucket=bucket,
                loans=sum(loans for loans, _p in cells),
                principal=sum(principal for _l, principal in cells),
                cells=[
                    RollCell(state, loans, principal, loans_pct, principal_pct)
                    for state, (loans, principal), loans_pct, principal_pct in zip(
                        STATES, cells, loan_pcts, principal_pcts, strict=True
                    )
                ],
            )
        )
    return matrix


# --- vintages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VintageCell:
    """Totals of one disbursement month at one months-on-book, for one DPD threshold.

    ``bad_*``: loans on the book more than the threshold days past due; ``written_off_*``:
    loans written off in that month (principal written off).
    """

    vintage: dt.date
    months_on_book: int
    bad_loans: int
    bad_principal: int
    written_off_loans: int = 0
    written_off_principal: int = 0


@dataclass(frozen=True)
class VintageTotal:
    vintage: dt.date
    loans: int  # loans disbursed in the month
    principal: int  # principal disbursed in the month


def vintage_cells(rows: Iterable[LoanState], metric: str) -> list[VintageCell]:
    """Group month-end rows by (vintage, months on book) for ``metric`` ("30+" or "90+")."""
    threshold = VINTAGE_METRICS[metric]
    totals: dict[tuple[dt.date, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        cell = totals[(row.vintage, row.months_on_book)]
        if row.bucket == WRITTEN_OFF:
            cell[2] += 1
            cell[3] += row.principal
        elif row.bucket in BUCKETS and row.dpd > threshold:
            cell[0] += 1
            cell[1] += row.principal
    return [VintageCell(v, mob, *values) for (v, mob), values in sorted(totals.items())]


@dataclass(frozen=True)
class VintagePoint:
    months_on_book: int
    bad_loans: int  # on the book past the threshold, plus written off so far
    bad_principal: int
    loans_pct: Decimal | None  # of the loans disbursed in the vintage
    principal_pct: Decimal | None  # of the principal disbursed in the vintage


@dataclass(frozen=True)
class VintageCurve:
    vintage: dt.date
    loans: int
    principal: int
    points: list[VintagePoint]


def vintage_curves(
    cells: Iterable[VintageCell], totals: Iterable[VintageTotal]
) -> list[VintageCurve]:
    """Static-pool vintage curves: for each disbursement month and each months-on-book,

        bad share = (principal more than N days past due at that month end
                     + principal written off at or before that months-on-book)
                    ÷ principal disbursed in the vintage

    and the same by loan count. Written-off loans stay bad once written off (they leave the
    book, their loss does not), so a curve never drops because of write-offs. Points are the
    months on book that have a month-end snapshot; vintages without one have no points.
    """
    by_vintage: dict[dt.date, list[VintageCell]] = defaultdict(list)
    for cell in cells:
        by_vintage[cell.vintage].append(cell)
    curves = []
    for total in sorted(totals, key=lambda t: t.vintage):
        points, written_loans, written_principal = [], 0, 0
        for cell in sorted(by_vintage.get(total.vintage, []), key=lambda c: c.months_on_book):
            written_loans += cell.written_off_loans
            written_principal += cell.written_off_principal
            bad_loans = cell.bad_loans + written_loans
            bad_principal = cell.bad_principal + written_principal
            points.append(
                VintagePoint(
                    months_on_book=cell.months_on_book,
                    bad_loans=bad_loans,
                    bad_principal=bad_principal,
                    loans_pct=percent(bad_loans, total.loans),
                    principal_pct=percent(bad_principal, total.principal),
                )
            )
        curves.append(VintageCurve(total.vintage, total.loans, total.principal, points))
    return curves


# --- collection recovery ------------------------------------------------------------------------


@dataclass(frozen=True)
class BucketRecovery:
    bucket: str
    loans: int  # loans with an overdue amount at the month start
    overdue_amount: int  # their overdue amount at the month start
    collected: int  # everything applied to those loans during the month
    recovered: int  # per loan at most its overdue amount at the month start


def recovery_totals(
    start: Iterable[LoanState], received: Mapping[int, int]
) -> list[BucketRecovery]:
    """Group by bucket at the month start the loans that owed an overdue amount then, with
    what each received during the month (``received``: loan id → fen applied)."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for loan in start:
        if loan.bucket not in BUCKETS or loan.overdue_amount <= 0:
            continue
        paid = received.get(loan.loan_id, 0)
        group = totals[loan.bucket]
        group[0] += 1
        group[1] += loan.overdue_amount
        group[2] += paid
        group[3] += min(paid, loan.overdue_amount)
    return [BucketRecovery(bucket, *totals[bucket]) for bucket in BUCKETS if bucket in totals]


@dataclass(frozen=True)
class RecoveryRate:
    bucket: str
    loans: int
    overdue_amount: int
    collected: int
    recovered: int
    rate: Decimal | None


def recovery_rates(totals: Iterable[BucketRecovery]) -> list[RecoveryRate]:
    """Collection recovery rate by bucket for a month M, and for all buckets (``"all"``):

        rate(b) = Σ min(applied_M(loan), overdue_start(loan)) ÷ Σ overdue_start(loan)

    over the loans in bucket b at the close of the month before M (the month start) that owed
    an overdue amount then. ``overdue_start`` = overdue principal + overdue interest + penalty
    receivable at that close. ``applied_M`` = principal + interest + penalty + fee applied to
    the loan by repayments, prepayments, payoffs and held overpayments applied, with business
    dates in M (write-offs and refunds are not money recovered). Capping each loan at what it
    owed keeps money paid ahead for instalments not yet due out of the rate, so it is between
    0 and 100 %; ``collected`` shows the uncapped sum beside it.
    """
    by_bucket = {row.bucket: row for row in totals}
    rows = [by_bucket.get(b, BucketRecovery(b, 0, 0, 0, 0)) for b in BUCKETS if b != CURRENT]
    if CURRENT in by_bucket:  # loans whose instalment fell due on the month-end day itself
        rows.insert(0, by_bucket[CURRENT])
    overall = BucketRecovery(
        "all",
        sum(r.loans for r in rows),
        sum(r.overdue_amount for r in rows),
        sum(r.collected for r in rows),
        sum(r.recovered for r in rows),
    )
    return [
        RecoveryRate(
            r.bucket,
            r.loans,
            r.overdue_amount,
            r.collected,
            r.recovered,
            percent(r.recovered, r.overdue_amount),
        )
        for r in [*rows, overall]
    ]


# --- months --------------------------------------------------------------------------------


def month_end(day: dt.date) -> dt.date:
    """The last calendar day of ``day``'s month (EOD runs every calendar day)."""
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).month != day.month


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month ``count`` months after ``month``'s."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    """Whole months from ``first``'s month to ``last``'s month (may be negative)."""
    return (last.year - first.year) * 12 + last.month - first.month
