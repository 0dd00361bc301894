"""Every event the code publishes has a subscriber, or is listed here as deliberately unheard.

Events are the ``DomainEvent`` classes of the apps' ``events.py``. The published ones are
found by reading the source: each ``publish(...)`` call outside the tests must construct a
known event class. A new event nobody listens to fails this test until a subscriber is added
or it is listed below with a reason.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import microloan
from microloan.kernel import events

ROOT = Path(microloan.__file__).parent

# Event name → why nothing subscribes to it. Empty today: every published event is heard.
DELIBERATELY_UNSUBSCRIBED: dict[str, str] = {}


def event_classes_by_name() -> dict[str, type[events.DomainEvent]]:
    """Class name → event class, from every app's events.py."""
    for path in sorted(ROOT.glob("*/events.py")):
        importlib.import_module(f"microloan.{path.parent.name}.events")
    return {
        cls.__name__: cls
        for cls in events.event_classes()
        if cls.__module__.startswith("microloan.") and ".tests." not in cls.__module__
    }


def published_events() -> dict[str, str]:
    """Event name → where it is published (path:line), for every publish call in the code."""
    classes = event_classes_by_name()
    found: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "tests" in relative.parts or relative == Path("kernel/events.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            function = node.func
            name = getattr(function, "attr", None) or getattr(function, "id", None)
            if name != "publish":
                continue
            argument, where = node.args[0], f"{relative}:{node.lineno}"
            called = argument.func if isinstance(argument, ast.Call) else None
            class_name = getattr(called, "id", None) or getattr(called, "attr", None)
            if class_name not in classes:
                raise AssertionError(f"{where}: publish() needs an event class from an events.py")
            found[classes[class_name].name] = where
    return found


def test_the_scan_finds_the_known_events():
    published = published_events()
    assert {"loan.drawn", "line.frozen", "collections.bucket_entered"} <= set(published)


def test_every_event_class_lives_in_its_apps_events_module():
    for cls in event_classes_by_name().values():
        assert cls.__module__.endswith(".events"), cls
        assert cls.__dataclass_params__.frozen, f"{cls.__name__} must be a frozen dataclass"


def test_every_published_event_has_a_subscriber_or_a_reason():
    by_name = {cls.name: cls for cls in event_classes_by_name().values()}
    unheard = {
        name: where
        for name, where in published_events().items()
        if not events.subscribers(by_name[name]) and name not in DELIBERATELY_UNSUBSCRIBED
    }
    assert unheard == {}, (
        f"events nobody subscribes to (subscribe, or list with a reason): {unheard}"
    )


def test_the_deliberate_list_holds_only_published_unheard_events():
    published = published_events()
    by_name = {cls.name: cls for cls in event_classes_by_name().values()}
    for name, reason in DELIBERATELY_UNSUBSCRIBED.items():
        assert reason, name
        assert name in published, f"{name} is no longer published: drop it from the list"
        assert not events.subscribers(by_name[name]), (
            f"{name} has a subscriber now: drop it from the list"
        )
