"""Pure rules: provision rates and the allowance, partition sizing and id ranges."""

from decimal import Decimal

import pytest

from microloan.batch.rules import partition_bounds, partition_count
from microloan.lending.eod.provisions import (
    PROVISION_RATES,
    provision_rates,
    required_allowance,
)


@pytest.mark.parametrize(
    ("principal_by_category", "expected"),
    [
        ({}, 0),
        ({"normal": 1_000_000}, 10_000),  # 1 %
        ({"special_mention": 1_000_000}, 20_000),  # 2 %
        ({"substandard": 1_000_000}, 250_000),  # 25 %
        ({"doubtful": 1_000_000}, 500_000),  # 50 %
        ({"loss": 1_000_000}, 1_000_000),  # 100 %
        ({"normal": 50}, 1),  # 0.5 fen rounds half-up
        ({"normal": 49}, 0),  # 0.49 fen rounds down
        # Rounded once on the product total, not per category: 0.5 + 0.5 = 1 fen, not 2.
        ({"normal": 50, "special_mention": 25}, 1),
        ({"normal": 150, "special_mention": 75, "loss": 3}, 6),  # 1.5 + 1.5 + 3 = 6
    ],
)
def test_required_allowance_by_category(principal_by_category, expected):
    assert required_allowance(principal_by_category, PROVISION_RATES) == expected


def test_provision_rates_can_be_overridden_per_category():
    rates = provision_rates({"normal": "0.015"})
    assert rates["normal"] == Decimal("0.015")
    assert rates["loss"] == Decimal("1")
    assert PROVISION_RATES["normal"] == Decimal("0.01")  # the defaults stay as they were


@pytest.mark.parametrize(
    "overrides", [{"current": "0.01"}, {"normal": "1.5"}, {"normal": "-0.01"}, {"loss": "NaN"}]
)
def test_provision_rate_overrides_are_checked(overrides):
    with pytest.raises(ValueError):
        provision_rates(overrides)


@pytest.mark.parametrize(
    ("active", "size", "requested", "expected"),
    [
        (0, 200_000, None, 1),
        (1, 200_000, None, 1),
        (200_000, 200_000, None, 1),
        (200_001, 200_000, None, 2),
        (1_000_000, 200_000, None, 5),
        (1_000_000, 200_000, 3, 3),  # asked for explicitly
        (10, 200_000, 8, 8),
        (10**9, 1, None, 1024),  # capped
    ],
)
def test_partition_count(active, size, requested, expected):
    assert partition_count(active, partition_size=size, requested=requested) == expected


@pytest.mark.parametrize("requested", [0, -1, True, 2.5])
def test_partition_count_refuses_nonsense(requested):
    with pytest.raises(ValueError):
        partition_count(100, partition_size=10, requested=requested)


@pytest.mark.parametrize(
    ("first_ids", "expected"),
    [
        ([], [(0, 1000)]),
        ([40], [(0, 40), (40, 1000)]),
        ([40, 80, 80], [(0, 40), (40, 80), (80, 1000)]),  # duplicates collapse
        ([0, 5], [(0, 5), (5, 1000)]),
    ],
)
def test_partition_bounds_cover_every_id_once(first_ids, expected):
    bounds = partition_bounds(first_ids, 1000)
    assert bounds == expected
    covered = [i for lo, hi in bounds for i in range(lo, hi)]
    assert covered == list(range(1000))
