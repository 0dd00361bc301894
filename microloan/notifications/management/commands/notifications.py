"""``microloan notifications deliver [--loop]``: deliver due outbox messages without the task
worker (or beside it, as the sweeper that takes over messages whose worker died), and
``microloan notifications templates``: create the shipped message templates that are missing."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from microloan.notifications.delivery import deliver_due_messages, lease_seconds, next_due_at
from microloan.notifications.services import ensure_default_templates


class Command(BaseCommand):
    help = "Notification delivery and templates."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        deliver = subcommands.add_parser("deliver", help="Deliver the messages that are due.")
        deliver.add_argument("--limit", type=int, default=200, help="messages per batch")
        deliver.add_argument(
            "--loop", action="store_true", help="keep delivering until interrupted"
        )
        deliver.add_argument(
            "--idle-seconds", type=float, default=5.0, help="longest sleep when nothing is due"
        )
        subcommands.add_parser("templates", help="Create the shipped templates that are missing.")

    def handle(self, *args, subcommand, **options):
        if subcommand == "templates":
            ensure_default_templates()
            self.stdout.write(self.style.SUCCESS("Templates are in place."))
            return
        limit, idle = options["limit"], options["idle_seconds"]
        if limit < 1 or idle <= 0:
            raise CommandError("--limit must be at least 1 and --idle-seconds above 0")
        if not options["loop"]:
            self._report(deliver_due_messages(limit))
            return
        self._stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        while not self._stopping:
            counts = deliver_due_messages(limit)
            if sum(counts.values()):
                self._report(counts)
            if sum(counts.values()) < limit:
                time.sleep(self._sleep_seconds(idle))

    def _sleep_seconds(self, idle: float) -> float:
        # Wake for the next queued message, or to look for expired leases, whichever is first.
        due = next_due_at()
        wait = min(idle, lease_seconds())
        if due is not None:
            wait = min(wait, max((due - timezone.now()).total_seconds(), 0.05))
        return wait

    def _stop(self, *_args) -> None:
        self._stopping = True

    def _report(self, counts: dict[str, int]) -> None:
        self.stdout.write(" ".join(f"{outcome}={count}" for outcome, count in counts.items()))
