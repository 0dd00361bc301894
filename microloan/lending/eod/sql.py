"""SQL fragments of lending's end of day: the money rounding and the classification.

Rounding ``x / 10^8`` to the fen (x ≥ 0, so integer division truncates = floors on both
SQLite and PostgreSQL): half-up ``(x + 5·10^7) / 10^8`` as docs/servicing.md gives it;
``down``, ``up`` and ``half_even`` as further branches of one CASE on the loan's ``rounding``
column, so loans of every product go through the same single UPDATE (no separate Python pass
is needed). The dialect-neutral pieces (dates, partitions) are batch's, in batch.sql.
"""

from __future__ import annotations

from microloan.kernel.regulation import (
    BUCKET_MAX_DPD,
    DOUBTFUL_MAX_DPD,
    SPECIAL_MENTION_MAX_DPD,
    SUBSTANDARD_MAX_DPD,
)
from microloan.lending.classification import Bucket, Category
from microloan.lending.models import RATE_SCALE

HALF = RATE_SCALE // 2


def round_rate_product(product: str, rounding_column: str = "rounding") -> str:
    """``product / 10^8`` rounded to an integer by the row's rounding mode (product ≥ 0)."""
    x, s = f"({product})", RATE_SCALE
    half_even = (
        f"{x} / {s} + CASE WHEN {x} % {s} > {HALF}"
        f" OR ({x} % {s} = {HALF} AND ({x} / {s}) % 2 = 1) THEN 1 ELSE 0 END"
    )
    return (
        f"CASE {rounding_column} WHEN 'half_up' THEN ({x} + {HALF}) / {s}"
        f" WHEN 'down' THEN {x} / {s}"
        f" WHEN 'up' THEN ({x} + {s - 1}) / {s}"
        f" ELSE {half_even} END"
    )


def category_case(dpd: str = "dpd", restructured: str = "restructured") -> str:
    """The five-category classification of lending.classification.classify, as SQL."""
    return (
        f"CASE WHEN {dpd} > {DOUBTFUL_MAX_DPD} THEN '{Category.LOSS}'"
        f" WHEN {dpd} > {SUBSTANDARD_MAX_DPD} THEN '{Category.DOUBTFUL}'"
        f" WHEN {dpd} > {SPECIAL_MENTION_MAX_DPD} OR {restructured}"
        f" THEN '{Category.SUBSTANDARD}'"
        f" WHEN {dpd} > 0 THEN '{Category.SPECIAL_MENTION}'"
        f" ELSE '{Category.NORMAL}' END"
    )


def bucket_case(dpd: str = "dpd") -> str:
    """The collection bucket of lending.classification.bucket, as SQL."""
    names = list(Bucket)  # in kernel.regulation.bucket_index order
    whens = "".join(
        f" WHEN {dpd} <= {upper} THEN '{names[i]}'" for i, upper in enumerate(BUCKET_MAX_DPD)
    )
    return f"CASE{whens} ELSE '{names[-1]}' END"
