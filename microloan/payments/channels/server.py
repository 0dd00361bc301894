"""The simulated bank as its own process: ``microloan payments simulator --port 8099``.

It keeps its book in its own memory (it is the bank, not part of our system), acknowledges
``POST /payments`` at once and calls ``--callback-url`` back after ``--delay`` seconds with a
body signed by the shared callback secret. ``GET /payments/<order_id>`` answers status queries,
``GET /settlement?date=D`` serves the settlement file, ``POST /control`` with
``{"order_id": ..., "outcome": ...}`` (or ``{"default": outcome}``) steers what it does.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from ..signing import SIGNATURE_HEADER, sign
from . import bank_rules

logger = logging.getLogger(__name__)


class SimulatedBankState:
    def __init__(self, *, callback_url: str, secret: bytes, delay: float) -> None:
        self.callback_url = callback_url
        self.secret = secret
        self.delay = delay
        self.default = bank_rules.SUCCEED
        self.instructions: dict[str, str] = {}
        self.payments: dict[str, dict] = {}
        self.lock = threading.Lock()

    def receive(self, data: dict) -> tuple[dict, int]:
        order_id = str(data["order_id"])
        with self.lock:
            payment = self.payments.get(order_id)
            created = payment is None
            if created:
                outcome = bank_rules.outcome_for(
                    int(data["amount"]), self.instructions.get(order_id), self.default
                )
                payment = {
                    "order_id": order_id,
                    "amount": int(data["amount"]),
                    "direction": data["direction"],
                    "outcome": outcome,
                    "status": bank_rules.final_status(outcome),
                    "failure_code": bank_rules.failure_code(outcome, data["direction"]),
                    "channel_ref": f"SIM{secrets.token_hex(8).upper()}",
                    "value_date": data["business_date"],
                }
                self.payments[order_id] = payment
        if created:
            for number in range(bank_rules.callbacks_for(payment["outcome"])):
                timer = threading.Timer(self.delay * (number + 1), self.call_back, [payment])
                timer.daemon = True
                timer.start()
        if payment["outcome"] == bank_rules.TIMEOUT:
            return {"error": "timeout"}, 504
        return {"accepted": True, "channel_ref": payment["channel_ref"]}, 200

    def call_back(self, payment: dict) -> None:
        keys = ("order_id", "status", "channel_ref", "amount", "failure_code")
        body = json.dumps({key: payment[key] for key in keys}, sort_keys=True).encode()
        request = urllib.request.Request(
            self.callback_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, self.secret)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                logger.info("callback %s -> %s", payment["order_id"], response.status)
        except Exception as error:  # the bank logs and gives up; our status query resolves it
            logger.warning("callback %s failed: %s", payment["order_id"], error)

    def settlement(self, date: str) -> str:
        with self.lock:
            rows = [
                (p["order_id"], p["amount"], p["status"], p["channel_ref"])
                for p in self.payments.values()
                if p["value_date"] == date
            ]
        return bank_rules.settlement_csv(rows)


def make_handler(state: SimulatedBankState):
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body, content_type="application/json") -> None:
            raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _json(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_POST(self) -> None:
            try:
                data = self._json()
                if self.path == "/payments":
                    self._reply(*reversed(state.receive(data)))
                elif self.path == "/control":
                    if "default" in data and data["default"] in bank_rules.OUTCOMES:
                        state.default = data["default"]
                    elif data.get("outcome") in bank_rules.OUTCOMES:
                        state.instructions[str(data["order_id"])] = data["outcome"]
                    else:
                        self._reply(422, {"error": "unknown outcome"})
                        return
                    self._reply(200, {"ok": True})
                else:
                    self._reply(404, {"error": "not found"})
            except (KeyError, ValueError, TypeError) as error:
                self._reply(400, {"error": str(error)})

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path.startswith("/payments/"):
                payment = state.payments.get(url.path.removeprefix("/payments/"))
                if payment is None:
                    self._reply(404, {"status": "unknown"})
                else:
                    self._reply(200, {k: v for k, v in payment.items() if k != "outcome"})
            elif url.path == "/settlement":
                date = parse_qs(url.query).get("date", [""])[0]
                self._reply(200, state.settlement(date), "text/csv")
            else:
                self._reply(404, {"error": "not found"})

        def log_message(self, format, *args) -> None:
            logger.info("simulator: " + format, *args)

    return Handler


def serve(*, port: int, callback_url: str, secret: bytes, delay: float, host="127.0.0.1"):
    state = SimulatedBankState(callback_url=callback_url, secret=secret, delay=delay)
    server = ThreadingHTTPServer((host, port), make_handler(state))
    return server, state
