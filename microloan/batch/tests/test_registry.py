"""The step order and the hook slots later apps fill."""

import pytest

from microloan.batch.registry import HOOK_SLOTS, eod_steps, hooks, register_hook, unregister_hook

CORE_ORDER = [
    "mark_due",
    "accrue_interest",
    "delinquency",
    "penalty",
    "classification",
    "provisions",
]


@pytest.fixture
def cleanup_hooks():
    names = []
    yield names
    for name in names:
        unregister_hook(name)


def _names():
    return [step.name for step in eod_steps()]


def test_core_steps_run_in_the_documented_order_with_the_snapshot_last():
    names = _names()
    assert names[: len(CORE_ORDER)] == CORE_ORDER
    assert names[-1] == "portfolio_snapshot"


def test_hooks_run_between_provisions_and_the_snapshot_in_slot_order(cleanup_hooks):
    def noop(ctx):
        return 0

    for slot in reversed(HOOK_SLOTS):  # registered in reverse, still run in slot order
        register_hook(slot, name=f"test.{slot}", run=noop)
        cleanup_hooks.append(f"test.{slot}")
    names = _names()
    # The installed apps register hooks of their own; the test's are in slot order among them.
    between = [name for name in names[len(CORE_ORDER) : -1] if name.startswith("test.")]
    assert between == [f"test.{slot}" for slot in HOOK_SLOTS]
    assert names[: len(CORE_ORDER)] == CORE_ORDER and names[-1] == "portfolio_snapshot"
    assert [step.name for step in hooks("collections")][-1] == "test.collections"
    assert all(not step.partitioned for step in eod_steps() if step.name.startswith("test."))


def test_unregistered_hooks_are_gone(cleanup_hooks):
    register_hook("reminders", name="test.reminders", run=lambda ctx: 0, partitioned=True)
    unregister_hook("test.reminders")
    assert "test.reminders" not in _names()


@pytest.mark.parametrize(
    ("slot", "name"),
    [
        ("payments", "test.auto_debit"),  # unknown slot
        ("reminders", "Test.Reminders"),  # not lower-case words
        ("reminders", "test reminders"),
        ("reminders", "accrue_interest"),  # a core step's name
        ("reminders", "x" * 65),
    ],
)
def test_bad_hook_registrations_are_refused(slot, name):
    before = _names()
    with pytest.raises(ValueError):
        register_hook(slot, name=name, run=lambda ctx: 0)
    assert _names() == before
