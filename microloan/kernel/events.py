"""Typed domain events between bounded contexts, delivered synchronously inside the publisher's
transaction.

Each event is a frozen dataclass in the publishing app's ``events.py``, a subclass of
``DomainEvent`` with a stable ``name`` (``lending/events.py: LoanDrawn``, "loan.drawn"); the
name is what dedupe keys and logs carry, so it never changes once shipped. A service that
changes state publishes what happened (``publish(LoanDrawn(customer_id=..., ...))``); other
apps subscribe from ``AppConfig.ready()`` with ``subscribe(LoanDrawn, on_loan_drawn)``, and
``subscribe`` checks there and then that the function takes the event as its one argument
(and, when annotated, is annotated with that class), so a handler that could not receive
the event fails at start-up rather than on the first publish.

Subscribers run in the publisher's transaction, so what they write (an outbox message, a
collection case) commits or rolls back with the change that caused it: nothing is lost and
nothing is sent for a change that did not happen. A subscriber must therefore only write to
the database; any call to the outside world belongs to a worker reading what it wrote.

Publishers do not import their subscribers, so `payments` can announce a disbursement
without knowing that `notifications` exists. An event with no subscriber is a no-op.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import typing
from collections import defaultdict
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

logger = logging.getLogger(__name__)


class DomainEvent:
    """Base of every event: subclasses are ``@dataclass(frozen=True, kw_only=True)`` with a
    ``name: ClassVar[str]``."""

    name: ClassVar[str]
    _classes: ClassVar[dict[str, type[DomainEvent]]] = {}

    def payload(self) -> dict[str, Any]:
        """The event's fields as a dict (nested dataclasses too): for logs and tests."""
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if not isinstance(name, str) or not name:
            raise TypeError(f"{cls.__qualname__} needs a class attribute name = '<app>.<what>'")
        known = DomainEvent._classes.get(name)
        where = f"{cls.__module__}.{cls.__qualname__}"
        if known is not None and f"{known.__module__}.{known.__qualname__}" != where:
            raise TypeError(f"event name {name!r} is taken by {known.__qualname__}")
        DomainEvent._classes[name] = cls


def event_classes() -> tuple[type[DomainEvent], ...]:
    """Every event class defined so far (imported modules only)."""
    return tuple(DomainEvent._classes.values())


E = TypeVar("E", bound=DomainEvent)
Subscriber = Callable[[Any], None]

_SUBSCRIBERS: dict[type[DomainEvent], list[Subscriber]] = defaultdict(list)


def _check_subscriber(event_class: type[DomainEvent], subscriber: Subscriber) -> None:
    """Refuse a subscriber that cannot be called with one ``event_class`` instance."""
    where = getattr(subscriber, "__qualname__", repr(subscriber))
    try:
        signature = inspect.signature(subscriber)
        signature.bind(object())
    except (TypeError, ValueError):
        raise TypeError(
            f"{where} cannot subscribe to {event_class.__name__}: it must take the event as its"
            " one positional argument"
        ) from None
    parameters = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    first = parameters[0]
    try:
        hints = typing.get_type_hints(subscriber)
    except Exception:  # an annotation that does not resolve: read it as written
        hints = {}
    annotation = hints.get(first.name, first.annotation)
    if annotation is inspect.Parameter.empty or annotation is Any:
        return
    if isinstance(annotation, str):
        if annotation.rsplit(".", 1)[-1] == event_class.__name__:
            return
    elif isinstance(annotation, type) and issubclass(event_class, annotation):
        return
    raise TypeError(
        f"{where} is annotated to take {annotation!r}, not {event_class.__name__}: it cannot"
        f" subscribe to {event_class.name!r}"
    )


def subscribe(event_class: type[E], subscriber: Callable[[E], None]) -> None:
    """Call ``subscriber(event)`` on every ``publish(event)`` of ``event_class``.

    Checked now: ``event_class`` is a ``DomainEvent`` class and ``subscriber`` takes it.
    Subscribing the same function twice (a second ``ready()``) has no effect.
    """
    if not (isinstance(event_class, type) and issubclass(event_class, DomainEvent)):
        raise TypeError(f"subscribe() needs a DomainEvent class, got {event_class!r}")
    _check_subscriber(event_class, subscriber)
    if subscriber not in _SUBSCRIBERS[event_class]:
        _SUBSCRIBERS[event_class].append(subscriber)


def unsubscribe(event_class: type[DomainEvent], subscriber: Subscriber) -> None:
    if subscriber in _SUBSCRIBERS.get(event_class, []):
        _SUBSCRIBERS[event_class].remove(subscriber)


def subscribers(event_class: type[DomainEvent]) -> tuple[Subscriber, ...]:
    return tuple(_SUBSCRIBERS.get(event_class, ()))


def publish(event: DomainEvent) -> None:
    """Deliver ``event`` to its class's subscribers, in subscription order, in the caller's
    transaction. A subscriber's exception propagates: the publisher's transaction rolls back,
    because a state change whose consequences cannot be recorded must not commit alone."""
    if not isinstance(event, DomainEvent):
        raise TypeError(f"publish() needs a DomainEvent, got {event!r}")
    for subscriber in subscribers(type(event)):
        logger.debug("event %s -> %s", event.name, getattr(subscriber, "__qualname__", subscriber))
        subscriber(event)
