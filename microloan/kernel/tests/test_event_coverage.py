"""Every event the code publishes has a subscriber, or is listed here as deliberately unheard.

The published names are found by reading the source: each ``publish(...)`` call outside the
tests, its first argument a string or a module-level string constant. A new event nobody
listens to fails this test until a subscriber is added or it is listed below with a reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import microloan
from microloan.kernel import events

ROOT = Path(microloan.__file__).parent

# Event name → why nothing subscribes to it. Empty today: every published event is heard.
DELIBERATELY_UNSUBSCRIBED: dict[str, str] = {}


def _constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def published_events() -> dict[str, str]:
    """Event name → where it is published (path:line), for every publish call in the code."""
    found: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "tests" in relative.parts or relative == Path("kernel/events.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            function = node.func
            name = getattr(function, "attr", None) or getattr(function, "id", None)
            if name != "publish":
                continue
            argument, where = node.args[0], f"{relative}:{node.lineno}"
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found[argument.value] = where
            elif isinstance(argument, ast.Name) and argument.id in constants:
                found[constants[argument.id]] = where
            else:
                raise AssertionError(f"{where}: publish() needs a literal or constant event name")
    return found


def test_the_scan_finds_the_known_events():
    published = published_events()
    assert {"loan.drawn", "line.frozen", "collections.bucket_entered"} <= set(published)


def test_every_published_event_has_a_subscriber_or_a_reason():
    unheard = {
        name: where
        for name, where in published_events().items()
        if not events.subscribers(name) and name not in DELIBERATELY_UNSUBSCRIBED
    }
    assert unheard == {}, (
        f"events nobody subscribes to (subscribe, or list with a reason): {unheard}"
    )


def test_the_deliberate_list_holds_only_published_unheard_events():
    published = published_events()
    for name, reason in DELIBERATELY_UNSUBSCRIBED.items():
        assert reason, name
        assert name in published, f"{name} is no longer published: drop it from the list"
        assert not events.subscribers(name), f"{name} has a subscriber now: drop it from the list"
