from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from typing import ClassVar

import pytest

from microloan.kernel import events


@dataclass(frozen=True, kw_only=True)
class Happened(events.DomainEvent):
    name: ClassVar[str] = "test.happened"
    loan_id: str
    amount: int


@dataclass(frozen=True, kw_only=True)
class Other(events.DomainEvent):
    name: ClassVar[str] = "test.other"


@pytest.fixture
def recorder():
    seen = []

    def record(event: Happened) -> None:
        seen.append(event)

    yield seen, record
    events.unsubscribe(Happened, record)


def test_publish_reaches_each_subscriber_once_with_the_event(recorder):
    seen, record = recorder
    events.subscribe(Happened, record)
    events.subscribe(Happened, record)  # twice: still once
    happened = Happened(loan_id="loan_1", amount=100)
    events.publish(happened)
    events.publish(Other())  # another class: not delivered
    assert seen == [happened]
    assert happened.payload() == {"loan_id": "loan_1", "amount": 100}


def test_events_are_frozen():
    with pytest.raises(FrozenInstanceError):
        Happened(loan_id="loan_1", amount=1).amount = 2  # type: ignore[misc]


def test_publish_without_subscribers_is_a_no_op():
    events.publish(Other())


def test_publish_refuses_what_is_not_an_event():
    with pytest.raises(TypeError):
        events.publish("test.happened")  # type: ignore[arg-type]


def test_subscriber_error_propagates_to_publisher():
    def broken(_event):
        raise RuntimeError("cannot record")

    events.subscribe(Other, broken)
    try:
        with pytest.raises(RuntimeError):
            events.publish(Other())
    finally:
        events.unsubscribe(Other, broken)


def _keywords_only(*, event, loan_id, **_payload):
    """The old style: it could never receive an event object."""


def _two_arguments(event, extra):
    """Needs a second argument publish never gives."""


def _wrong_annotation(event: Other) -> None:
    """Annotated with another event class."""


@pytest.mark.parametrize("subscriber", [_keywords_only, _two_arguments, _wrong_annotation])
def test_subscribe_refuses_a_function_that_cannot_take_the_event(subscriber):
    with pytest.raises(TypeError):
        events.subscribe(Happened, subscriber)
    assert subscriber not in events.subscribers(Happened)


def test_subscribe_refuses_a_name_instead_of_a_class():
    with pytest.raises(TypeError):
        events.subscribe("test.happened", lambda event: None)  # type: ignore[arg-type]


def test_subscribe_accepts_unannotated_and_base_class_annotations():
    def plain(event):
        pass

    def any_event(event: events.DomainEvent) -> None:
        pass

    for subscriber in (plain, any_event):
        events.subscribe(Happened, subscriber)
        events.unsubscribe(Happened, subscriber)


def test_an_event_class_needs_a_unique_name():
    with pytest.raises(TypeError):

        @dataclass(frozen=True)
        class Nameless(events.DomainEvent):
            pass

    with pytest.raises(TypeError):

        @dataclass(frozen=True)
        class Clash(events.DomainEvent):
            name: ClassVar[str] = "test.happened"
