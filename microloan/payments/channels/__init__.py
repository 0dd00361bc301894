"""Bank channels behind one interface (``base.PaymentChannel``) and the one in use.

``get_channel()`` gives the configured channel: the simulated bank, in-process by default or
the separate ``microloan payments simulator`` process when ``PAYMENTS_SIMULATOR_URL`` is set.
A real bank's adapter is one more ``PaymentChannel`` subclass named in ``CHANNELS``.
"""

from __future__ import annotations

from .. import conf
from .base import (
    Ack,
    ChannelStatus,
    ChannelTimeout,
    ChannelUnavailable,
    PaymentChannel,
    PaymentInstruction,
)

CHANNELS = ("simulator",)

__all__ = [
    "CHANNELS",
    "Ack",
    "ChannelStatus",
    "ChannelTimeout",
    "ChannelUnavailable",
    "PaymentChannel",
    "PaymentInstruction",
    "get_channel",
]


def get_channel(name: str | None = None) -> PaymentChannel:
    name = name or conf.channel_name()
    if name != "simulator":
        raise ValueError(f"unknown payment channel {name!r}; one of {CHANNELS}")
    url = conf.simulator_url()
    if url:
        from .http import HttpSimulatorChannel

        return HttpSimulatorChannel(url)
    from .simulator import InProcessSimulator

    return InProcessSimulator()
