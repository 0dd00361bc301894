"""The simulated bank as its own process (here: its server in a thread) and the HTTP channel
that talks to it: acks, signed callbacks later, status queries, the settlement file."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from microloan.payments.channels import ChannelTimeout, ChannelUnavailable, PaymentInstruction
from microloan.payments.channels.http import HttpSimulatorChannel
from microloan.payments.channels.server import serve
from microloan.payments.settlement import parse_settlement
from microloan.payments.signing import SIGNATURE_HEADER, signature_valid

SECRET = b"process-secret"
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def received():
    """A stand-in for our callback endpoint: collects (body, signature)."""
    got: list[tuple[bytes, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((body, self.headers.get(SIGNATURE_HEADER, "")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, got
    server.shutdown()
    server.server_close()


@pytest.fixture
def bank(received):
    receiver, _got = received
    url = f"http://127.0.0.1:{receiver.server_address[1]}/callbacks/simulator"
    server, state = serve(port=0, callback_url=url, secret=SECRET, delay=0.01)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield HttpSimulatorChannel(f"http://127.0.0.1:{server.server_address[1]}"), state
    server.shutdown()
    server.server_close()


def wait_for(got, count, seconds=3.0):
    deadline = time.monotonic() + seconds
    while len(got) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return got


def instruction(order_id, amount=100_000):
    return PaymentInstruction(order_id, "out", amount, "6222021234567890123", DAY)


def test_ack_now_signed_callback_later(bank, received):
    channel, _state = bank
    ack = channel.send_payment(instruction("pay_a"))
    assert ack.accepted and ack.channel_ref.startswith("SIM")
    _server, got = received
    body, signature = wait_for(got, 1)[0]
    assert signature_valid(body, signature, SECRET)
    assert json.loads(body)["status"] == "succeeded" and json.loads(body)["order_id"] == "pay_a"
    assert channel.query_status("pay_a").status == "succeeded"
    assert channel.query_status("pay_unknown").status == "unknown"


def test_the_same_order_id_is_booked_once(bank):
    channel, state = bank
    first = channel.send_payment(instruction("pay_b"))
    again = channel.send_payment(instruction("pay_b"))
    assert first.channel_ref == again.channel_ref and len(state.payments) == 1


def test_timeout_duplicate_and_failure_markers(bank, received):
    channel, _state = bank
    with pytest.raises(ChannelTimeout):
        channel.send_payment(instruction("pay_t", 100_092))
    assert channel.query_status("pay_t").status == "succeeded"  # booked: ask, do not resend
    channel.send_payment(instruction("pay_d", 100_093))
    channel.send_payment(instruction("pay_f", 100_091))
    _server, got = received
    wait_for(got, 3)
    orders = sorted(json.loads(body)["order_id"] for body, _sig in got)
    assert orders == ["pay_d", "pay_d", "pay_f"]
    assert channel.query_status("pay_f").failure_code == "card_invalid"
    lines = parse_settlement(channel.settlement_file(DAY))
    assert {line.order_id for line in lines} == {"pay_t", "pay_d", "pay_f"}


def test_unreachable_bank_is_unavailable():
    channel = HttpSimulatorChannel("http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(ChannelUnavailable):
        channel.send_payment(instruction("pay_x"))
