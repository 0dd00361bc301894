"""Client of the separate simulator process (``microloan payments simulator --port N``)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request

from .base import Ack, ChannelStatus, ChannelTimeout, ChannelUnavailable, PaymentChannel

TIMEOUT_SECONDS = 5.0


class HttpSimulatorChannel(PaymentChannel):
    name = "simulator"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def _call(self, method: str, path: str, payload: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except TimeoutError as error:
            raise ChannelTimeout(path) from error
        except (ConnectionError, urllib.error.URLError) as error:
            raise ChannelUnavailable(str(error)) from error

    def send_payment(self, instruction) -> Ack:
        status, body = self._call(
            "POST",
            "/payments",
            {
                "order_id": instruction.order_id,
                "direction": instruction.direction,
                "amount": instruction.amount,
                "card_number": instruction.card_number,
                "business_date": instruction.business_date.isoformat(),
            },
        )
        if status == 504:
            raise ChannelTimeout(instruction.order_id)
        if status >= 500:
            raise ChannelUnavailable(f"bank answered {status}")
        reply = json.loads(body)
        return Ack(
            accepted=bool(reply.get("accepted")),
            channel_ref=reply.get("channel_ref", ""),
            failure_code=reply.get("failure_code", ""),
        )

    def query_status(self, order_id: str) -> ChannelStatus:
        status, body = self._call("GET", f"/payments/{order_id}")
        if status == 404:
            return ChannelStatus(status="unknown")
        if status >= 500:
            raise ChannelUnavailable(f"bank answered {status}")
        reply = json.loads(body)
        return ChannelStatus(
            status=reply["status"],
            channel_ref=reply.get("channel_ref", ""),
            amount=reply.get("amount"),
            failure_code=reply.get("failure_code", ""),
        )

    def settlement_file(self, business_date: dt.date) -> str:
        status, body = self._call("GET", f"/settlement?date={business_date.isoformat()}")
        if status != 200:
            raise ChannelUnavailable(f"bank answered {status}")
        return body.decode()
