"""Lock lengths: none below the limit, then growing, never past the cap."""

from hypothesis import given
from hypothesis import strategies as st

from microloan.accounts.lockout import lockout_seconds


def test_the_lock_starts_at_the_limit_and_doubles():
    waits = [lockout_seconds(n, limit=3, base=60, cap=600) for n in range(1, 8)]
    assert waits == [0, 0, 60, 120, 240, 480, 600]


@given(
    failures=st.integers(0, 10**6),
    limit=st.integers(1, 20),
    base=st.integers(1, 600),
    cap=st.integers(1, 86400),
)
def test_locks_start_at_the_limit_grow_and_never_pass_the_cap(failures, limit, base, cap):
    wait = lockout_seconds(failures, limit=limit, base=base, cap=cap)
    assert wait == 0 if failures < limit else 0 < wait <= cap
    assert wait <= lockout_seconds(failures + 1, limit=limit, base=base, cap=cap)
