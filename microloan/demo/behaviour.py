"""How the demo book's borrowers behave: pure and seeded, so every demo run is the same book.

Each borrower gets one profile when the book is built. The book asks two questions a day per
loan, and the answers come only from the profile, the loan's state and a seeded generator:

- ``debit_succeeds``: does the auto-debit on a due date find money on the card?
- ``pays_by_hand``: does a borrower who is behind pay everything overdue today?
- ``prepays_today``: does a borrower pay the whole loan off early today?

Shares are chosen to look like a consumer book in its first months (most pay on time; a few
per cent roll into collections; one or two per cent never pay), so every bucket, roll rate and
vintage curve has something true to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum


class Profile(StrEnum):
    PUNCTUAL = "punctual"  # the card always has the money
    PREPAYER = "prepayer"  # pays on time, and pays off early once
    FORGETFUL = "forgetful"  # misses one debit now and then, pays within a few days (grace/M1)
    ROLLER = "roller"  # falls behind for one to three months, then cures
    DEFAULTER = "defaulter"  # stops paying after a few instalments and never pays again


# Share of borrowers per profile; sums to 1.
PROFILE_SHARES: tuple[tuple[Profile, float], ...] = (
    (Profile.PUNCTUAL, 0.72),
    (Profile.PREPAYER, 0.10),
    (Profile.FORGETFUL, 0.10),
    (Profile.ROLLER, 0.05),
    (Profile.DEFAULTER, 0.03),
)


@dataclass(frozen=True)
class Borrower:
    profile: Profile
    # ROLLER: days behind before curing; DEFAULTER: instalments paid before stopping.
    cure_after_days: int
    stop_after_instalments: int
    prepay_after_days: int  # PREPAYER: days from disbursement to the payoff


def assign_borrower(rng: random.Random) -> Borrower:
    """Draw one borrower's profile and parameters from ``rng``."""
    draw, total = rng.random(), 0.0
    profile = PROFILE_SHARES[-1][0]
    for candidate, share in PROFILE_SHARES:
        total += share
        if draw < total:
            profile = candidate
            break
    return Borrower(
        profile=profile,
        cure_after_days=rng.randrange(20, 100),  # M1 to M3 before curing
        stop_after_instalments=rng.randrange(0, 3),
        prepay_after_days=rng.randrange(20, 120),
    )


def debit_succeeds(borrower: Borrower, *, instalment_number: int, rng: random.Random) -> bool:
    """Whether the due-date auto-debit of instalment ``instalment_number`` (1-based) succeeds."""
    match borrower.profile:
        case Profile.PUNCTUAL | Profile.PREPAYER:
            return True
        case Profile.FORGETFUL:
            return rng.random() >= 0.25
        case Profile.ROLLER:
            return instalment_number < 2
        case Profile.DEFAULTER:
            return instalment_number <= borrower.stop_after_instalments
    raise AssertionError(borrower.profile)


def pays_by_hand(borrower: Borrower, *, days_past_due: int, rng: random.Random) -> bool:
    """Whether a borrower ``days_past_due`` behind pays all that is overdue today."""
    if days_past_due <= 0:
        return False
    match borrower.profile:
        case Profile.PUNCTUAL | Profile.PREPAYER:
            return True
        case Profile.FORGETFUL:
            return days_past_due >= 2 and rng.random() < 0.5  # usually inside M1
        case Profile.ROLLER:
            return days_past_due >= borrower.cure_after_days
        case Profile.DEFAULTER:
            return False
    raise AssertionError(borrower.profile)


def prepays_today(borrower: Borrower, *, days_on_book: int) -> bool:
    return borrower.profile is Profile.PREPAYER and days_on_book == borrower.prepay_after_days
