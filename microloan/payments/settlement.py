"""Settlement files and how they compare with our orders: pure functions, no database.

A settlement file is CSV, one line per order the bank settled or refused that day::

    order_id,amount,status,channel_ref          (optional header)
    pay_01…,120000,succeeded,SIM3F…

amount in fen (digits only), status ``succeeded`` or ``failed``. A malformed line refuses the
whole file with its line number: a half-read file would report false breaks.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from .channels.bank_rules import SETTLEMENT_HEADER

SETTLED_STATUSES = ("succeeded", "failed")


class SettlementFileInvalid(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class SettlementLine:
    line: int
    order_id: str
    amount: int
    status: str
    channel_ref: str


@dataclass(frozen=True)
class OurOrder:
    order_id: str
    amount: int
    status: str
    channel_ref: str


@dataclass(frozen=True)
class BreakFound:
    kind: str  # missing_ours | missing_theirs | amount_mismatch | status_mismatch
    order_id: str
    our_amount: int | None = None
    their_amount: int | None = None
    our_status: str = ""
    their_status: str = ""
    channel_ref: str = ""


def parse_settlement(text: str) -> list[SettlementLine]:
    lines: list[SettlementLine] = []
    seen: set[str] = set()
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        cells = [cell.strip() for cell in row]
        if number == 1 and tuple(cells) == SETTLEMENT_HEADER:
            continue
        if len(cells) != 4:
            raise SettlementFileInvalid(number, f"expected 4 fields, found {len(cells)}")
        order_id, amount, status, channel_ref = cells
        if not order_id or len(order_id) > 60:
            raise SettlementFileInvalid(number, "order id missing or too long")
        if not amount.isascii() or not amount.isdigit() or int(amount) <= 0:
            raise SettlementFileInvalid(number, f"amount {amount!r} is not a positive fen integer")
        if status not in SETTLED_STATUSES:
            raise SettlementFileInvalid(number, f"status {status!r} is not succeeded or failed")
        if len(channel_ref) > 64:
            raise SettlementFileInvalid(number, "channel reference too long")
        if order_id in seen:
            raise SettlementFileInvalid(number, f"order {order_id} appears twice")
        seen.add(order_id)
        lines.append(SettlementLine(number, order_id, int(amount), status, channel_ref))
    return lines


def find_breaks(
    theirs: list[SettlementLine], ours: dict[str, OurOrder], ours_for_date: set[str]
) -> list[BreakFound]:
    """Every difference between the bank's lines and our orders.

    ``ours`` holds our orders the file names (whatever their date) and ``ours_for_date`` the ids
    of our orders of the file's date that should be in it (succeeded ones): any of those the
    file lacks is missing on their side.
    """
    breaks = []
    for line in theirs:
        mine = ours.get(line.order_id)
        if mine is None:
            breaks.append(
                BreakFound(
                    "missing_ours",
                    line.order_id,
                    their_amount=line.amount,
                    their_status=line.status,
                    channel_ref=line.channel_ref,
                )
            )
            continue
        common = dict(
            our_amount=mine.amount,
            their_amount=line.amount,
            our_status=mine.status,
            their_status=line.status,
            channel_ref=line.channel_ref or mine.channel_ref,
        )
        if mine.amount != line.amount:
            breaks.append(BreakFound("amount_mismatch", line.order_id, **common))
        if mine.status != line.status:
            breaks.append(BreakFound("status_mismatch", line.order_id, **common))
    named = {line.order_id for line in theirs}
    for order_id in sorted(ours_for_date - named):
        mine = ours[order_id]
        breaks.append(
            BreakFound(
                "missing_theirs",
                order_id,
                our_amount=mine.amount,
                our_status=mine.status,
                channel_ref=mine.channel_ref,
            )
        )
    return breaks
