"""How long a sign-in key (a username at an address, or an address) stays locked.

Pure rules, no clock: the service passes the failure count and the settings.
"""

from __future__ import annotations


def lockout_seconds(failures: int, *, limit: int, base: int, cap: int) -> int:
    """Seconds locked after the ``failures``-th consecutive failure: none below ``limit``;
    ``base`` at the limit, doubling with each further failure, never more than ``cap``."""
    if failures < limit:
        return 0
    # The exponent is bounded so a long-running attack cannot build a huge integer.
    doublings = min(failures - limit, max(cap, 1).bit_length())
    return min(cap, base * 2**doublings)
