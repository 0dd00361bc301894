"""Channel providers: what hands a message to an SMS gateway, a push service or the inbox.

A provider gets an ``Outgoing`` whose ``idempotency_key`` is the message public id and returns
the provider's message id, or raises ``DeliveryFailed`` (``permanent`` when retrying cannot
help, e.g. an unknown number). Real gateways go behind the same interface, chosen per channel
by ``settings.NOTIFICATIONS_PROVIDERS`` (channel → dotted path of a class).

The default ``FileProvider`` delivers to a JSON-lines file per channel under
``<VAR_DIR>/notifications/`` (or ``settings.NOTIFICATIONS_DIR``) and to ``ProviderRecord`` rows,
so what was "sent" can be inspected; it answers a repeated idempotency key with the first
answer and flags the repeat, as a well-behaved gateway does. ``fail_next`` makes it fail, for
tests and drills.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from microloan.kernel.sql import select_values

from .models import Channel, ProviderRecord


@dataclass(frozen=True)
class Outgoing:
    idempotency_key: str  # the message public id
    channel: str
    customer_id: str
    language: str
    subject: str
    body: str
    # The phone of a message not addressed to a customer yet (a verification code); a
    # customer's own messages leave it empty and the gateway looks the customer up.
    recipient: str = ""


class DeliveryFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Provider(Protocol):
    channel: str

    def send(self, outgoing: Outgoing) -> str: ...


def outbox_dir() -> Path:
    """Where file providers write: ``settings.NOTIFICATIONS_DIR`` or ``<VAR_DIR>/notifications``."""
    configured = settings.NOTIFICATIONS_DIR
    return Path(configured) if configured else Path(settings.VAR_DIR) / "notifications"


class FileProvider:
    """Writes each message to ``<outbox_dir>/<channel>.jsonl`` and a ``ProviderRecord`` row."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._lock = threading.Lock()
        self._failures: list[DeliveryFailed] = []
        self._made: Path | None = None  # the outbox directory, once made

    def fail_next(self, times: int = 1, *, reason: str = "simulated outage", permanent=False):
        """Make the next ``times`` sends raise DeliveryFailed (tests, drills)."""
        with self._lock:
            self._failures.extend(DeliveryFailed(reason, permanent=permanent) for _ in range(times))

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()

    def send(self, outgoing: Outgoing) -> str:
        with self._lock:
            if self._failures:
                raise self._failures.pop(0)
        # Prepared SQL: one look-up and one insert per message sent.
        first = select_values(
            ProviderRecord,
            ["provider_message_id"],
            '"idempotency_key" = %s',
            [outgoing.idempotency_key],
            order_by='"id"',
            limit=1,
        )
        provider_id = first[0][0] if first else f"file-{uuid.uuid4().hex}"
        record = ProviderRecord(
            channel=outgoing.channel,
            idempotency_key=outgoing.idempotency_key,
            provider_message_id=provider_id,
            customer_id=outgoing.customer_id,
            language=outgoing.language,
            subject=outgoing.subject,
            body=outgoing.body,
            duplicate=bool(first),
        )
        record.save()
        self._append(
            {
                **asdict(outgoing),
                "provider_message_id": provider_id,
                "duplicate": record.duplicate,
                "received_at": timezone.now().isoformat(),
            }
        )
        return provider_id

    def _append(self, line: dict) -> None:
        directory = outbox_dir()
        if directory != self._made:
            directory.mkdir(parents=True, exist_ok=True)
            self._made = directory
        with open(directory / f"{self.channel}.jsonl", "a", encoding="utf-8") as file:
            file.write(json.dumps(line, ensure_ascii=False) + "\n")


_providers: dict[str, Provider] = {}


def get_provider(channel: str) -> Provider:
    """The provider of ``channel``, built once per process from the setting."""
    if channel not in _providers:
        configured = settings.NOTIFICATIONS_PROVIDERS.get(channel)
        _providers[channel] = (
            import_string(configured)(channel) if configured else FileProvider(channel)
        )
    return _providers[channel]


def reset_providers() -> None:
    """Forget built providers (tests that change the setting or leave failures queued)."""
    _providers.clear()


CHANNELS = tuple(Channel.values)
