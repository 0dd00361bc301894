"""Domain events between bounded contexts, delivered synchronously inside the publisher's
transaction.

A service that changes state publishes what happened (``publish("disbursement.succeeded",
customer_id=..., loan_id=...)``); other apps subscribe from ``AppConfig.ready()``. Subscribers
run in the publisher's transaction, so what they write (an outbox message, a collection case)
commits or rolls back with the change that caused it: nothing is lost and nothing is sent
for a change that did not happen. A subscriber must therefore only write to the database; any
call to the outside world belongs to a worker reading what it wrote.

Publishers do not import their subscribers, so `payments` can announce a disbursement
without knowing that `notifications` exists. An event with no subscriber is a no-op.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

Subscriber = Callable[..., None]

_SUBSCRIBERS: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(event: str, subscriber: Subscriber) -> None:
    """Call ``subscriber(event=event, **payload)`` on every ``publish(event, **payload)``.

    Subscribing the same function twice (a second ``ready()``) has no effect.
    """
    if subscriber not in _SUBSCRIBERS[event]:
        _SUBSCRIBERS[event].append(subscriber)


def unsubscribe(event: str, subscriber: Subscriber) -> None:
    if subscriber in _SUBSCRIBERS.get(event, []):
        _SUBSCRIBERS[event].remove(subscriber)


def subscribers(event: str) -> tuple[Subscriber, ...]:
    return tuple(_SUBSCRIBERS.get(event, ()))


def publish(event: str, **payload: Any) -> None:
    """Deliver ``event`` to its subscribers, in subscription order, in the caller's
    transaction. A subscriber's exception propagates: the publisher's transaction rolls back,
    because a state change whose consequences cannot be recorded must not commit alone."""
    for subscriber in subscribers(event):
        logger.debug("event %s -> %s", event, getattr(subscriber, "__qualname__", subscriber))
        subscriber(event=event, **payload)
