"""Pure rules of end of day's orchestration: partition sizing and id ranges.

No ORM, no clock. (The loan loss provision rates are lending's: lending.eod.provisions.)
"""

from __future__ import annotations

import math

MAX_PARTITIONS = 1024


def partition_count(active_loans: int, *, partition_size: int, requested: int | None) -> int:
    """How many id-range partitions a run uses: as requested, else one per ``partition_size``."""
    if requested is not None:
        if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
            raise ValueError("partitions must be a whole number ≥ 1")
        return min(requested, MAX_PARTITIONS)
    if partition_size < 1:
        raise ValueError("partition size must be ≥ 1")
    return max(1, min(math.ceil(active_loans / partition_size), MAX_PARTITIONS))


def partition_bounds(first_ids: list[int], id_ceiling: int) -> list[tuple[int, int]]:
    """Id ranges [lo, hi) from the first loan id of each partition after the first.

    The first range starts at 0 and the last ends at ``id_ceiling``, so every loan id, even one
    created after the run started, falls in exactly one partition.
    """
    starts = [0, *sorted(set(first_ids) - {0})]
    return [(lo, hi) for lo, hi in zip(starts, [*starts[1:], id_ceiling], strict=True) if lo < hi]
