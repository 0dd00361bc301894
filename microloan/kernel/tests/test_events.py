import pytest

from microloan.kernel import events


@pytest.fixture
def recorder():
    seen = []

    def record(**kwargs):
        seen.append(kwargs)

    yield seen, record
    events.unsubscribe("test.happened", record)


def test_publish_reaches_each_subscriber_once_with_payload(recorder):
    seen, record = recorder
    events.subscribe("test.happened", record)
    events.subscribe("test.happened", record)  # twice: still once
    events.publish("test.happened", loan_id="loan_1", amount=100)
    assert seen == [{"event": "test.happened", "loan_id": "loan_1", "amount": 100}]


def test_publish_without_subscribers_is_a_no_op():
    events.publish("test.nobody_listens", x=1)


def test_subscriber_error_propagates_to_publisher():
    def broken(**kwargs):
        raise RuntimeError("cannot record")

    events.subscribe("test.broken", broken)
    try:
        with pytest.raises(RuntimeError):
            events.publish("test.broken")
    finally:
        events.unsubscribe("test.broken", broken)
