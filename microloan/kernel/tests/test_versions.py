"""kernel.versions.ActiveVersion: the active row asked for on every call, loaded only when it
changed, version 1 made on first use (once, even when two processes race to make it)."""

from __future__ import annotations

import pytest

from microloan.kernel.versions import ActiveVersion
from microloan.risk.models import EarlyWarningPolicy

pytestmark = pytest.mark.django_db


def _policy(version: int, status: str = "active", limit: int = 30) -> EarlyWarningPolicy:
    return EarlyWarningPolicy.objects.create(
        version=version, status=status, thresholds={"overdue_days": limit, "b": [1, 2]}
    )


def _cache(made: list) -> ActiveVersion:
    def bootstrap():
        made.append(_policy(1))
        return made[-1]

    return ActiveVersion(EarlyWarningPolicy, bootstrap=bootstrap)


def test_version_one_is_made_on_first_use_and_then_kept(django_assert_num_queries):
    made: list = []
    active = _cache(made)
    first = active.get()
    assert len(made) == 1 and first.version == 1
    loaded = active.get()  # loaded once from the database, then kept
    assert loaded.pk == first.pk
    with django_assert_num_queries(1):  # the marker only
        assert active.get() is loaded
    assert len(made) == 1


def test_an_activation_elsewhere_is_seen_at_once():
    active = _cache([])
    first = active.get()
    EarlyWarningPolicy.objects.filter(pk=first.pk).update(status="retired")
    second = _policy(2)
    assert active.get().pk == second.pk


def test_a_row_changed_in_place_is_loaded_again():
    active = _cache([])
    active.get()
    kept = active.get()
    EarlyWarningPolicy.objects.filter(pk=kept.pk).update(thresholds={"overdue_days": 45})
    again = active.get()
    assert again is not kept and again.thresholds == {"overdue_days": 45}


def test_the_key_order_of_stored_json_does_not_matter(django_assert_num_queries):
    active = _cache([])
    active.get()
    kept = active.get()
    EarlyWarningPolicy.objects.filter(pk=kept.pk).update(
        thresholds={"b": [1, 2], "overdue_days": 30}
    )
    with django_assert_num_queries(1):
        assert active.get() is kept


def test_a_lost_race_to_make_version_one_uses_the_winners(monkeypatch):
    winner = _policy(1)
    active = ActiveVersion(EarlyWarningPolicy, bootstrap=lambda: _policy(2))
    # This process looked before the winner committed: it saw no active version.
    monkeypatch.setattr(active, "_load", lambda: None)
    assert active.get().pk == winner.pk  # its own version 1 broke the one-active rule
    assert EarlyWarningPolicy.objects.count() == 1


def test_bootstrap_refusals_reach_the_caller():
    _policy(1, status="retired")

    def bootstrap():
        raise LookupError("versions exist but none is active")

    with pytest.raises(LookupError):
        ActiveVersion(EarlyWarningPolicy, bootstrap=bootstrap).get()
