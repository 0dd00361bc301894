"""How the simulated bank decides an instruction's fate: pure rules shared by the in-process
simulator and the separate simulator process.

Tests and demos steer it per order: an explicit instruction for the order id wins, else the
amount's last two fen digits are a marker (``..91`` fails, ``..92`` times out, ``..93`` answers
twice, ``..94`` never calls back), else the default outcome (succeed).
"""

from __future__ import annotations

import csv
import io

SUCCEED, FAIL, TIMEOUT, DUPLICATE, SILENT = "succeed", "fail", "timeout", "duplicate", "silent"
OUTCOMES = (SUCCEED, FAIL, TIMEOUT, DUPLICATE, SILENT)
AMOUNT_MARKERS = {91: FAIL, 92: TIMEOUT, 93: DUPLICATE, 94: SILENT}
SETTLEMENT_HEADER = ("order_id", "amount", "status", "channel_ref")


def outcome_for(amount: int, instructed: str | None = None, default: str = SUCCEED) -> str:
    if instructed in OUTCOMES:
        return instructed
    return AMOUNT_MARKERS.get(amount % 100, default)


def final_status(outcome: str) -> str:
    return "failed" if outcome == FAIL else "succeeded"


def failure_code(outcome: str, direction: str) -> str:
    if outcome != FAIL:
        return ""
    return "card_invalid" if direction == "out" else "insufficient_funds"


def callbacks_for(outcome: str) -> int:
    """How many callbacks the bank sends: none after a lost answer or a silent bank."""
    return {TIMEOUT: 0, SILENT: 0, DUPLICATE: 2}.get(outcome, 1)


def settlement_csv(rows) -> str:
    """``rows``: (order_id, amount, status, channel_ref) — the file the bank publishes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SETTLEMENT_HEADER)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()
