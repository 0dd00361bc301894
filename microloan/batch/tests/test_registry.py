"""The step order and the hook slots later apps fill."""

import ast
import datetime as dt
from pathlib import Path

import pytest

from microloan.batch import registry
from microloan.batch.registry import (
    HOOK_SLOTS,
    eod_steps,
    hooks,
    missing_core_steps,
    register_core_step,
    register_hook,
    unregister_hook,
)

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


def test_the_core_steps_are_lendings_registered_in_their_slots():
    steps = {step.name: step for step in eod_steps()}
    for name in [*CORE_ORDER, "portfolio_snapshot"]:
        assert steps[name].run.__module__ == "microloan.lending.eod.steps", name
    assert missing_core_steps() == []
    with pytest.raises(ValueError):
        register_core_step("write_off_everything", run=lambda ctx: 0)


def test_a_run_refuses_to_start_without_its_core_steps(db, monkeypatch):
    from microloan.batch.models import EodRun
    from microloan.batch.services import BATCH_ACTOR, run_eod
    from microloan.kernel.services import set_initial_business_date

    set_initial_business_date(dt.date(2026, 3, 2))
    monkeypatch.delitem(registry._core, "mark_due")
    with pytest.raises(RuntimeError, match="mark_due"):
        run_eod(actor=BATCH_ACTOR)
    assert not EodRun.objects.exists()


def test_batch_knows_no_lending_module():
    """Batch runs the steps; the SQL on lending's tables is lending's (registered with it)."""
    package = Path(registry.__file__).parent
    for path in package.rglob("*.py"):
        relative = path.relative_to(package)
        if relative.parts[0] in {"tests", "migrations"} or path.name == "testing.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("microloan.lending"), (relative, node.module)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("microloan.lending"), (relative, alias.name)
