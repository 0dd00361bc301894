"""Lending's pure constants: no ORM, so other apps and SQL builders may import them without
reaching into ``lending.models`` (which re-exports them for its own code)."""

from __future__ import annotations

RATE_SCALE = 10**8  # daily_rate_e8 = daily rate × RATE_SCALE, exact for rates with ≤ 8 decimals
