"""``microloan payments <subcommand>``: the payments worker pass, reconciliation, the simulator.

    microloan payments process [--loop SECONDS]    send created orders, query unanswered ones
    microloan payments reconcile --date D [--file F]
                                                   compare the settlement file with our orders
    microloan payments simulator --port N [--callback-url URL] [--delay S]
                                                   run the simulated bank as its own process

With the simulator in its own process, point the app at it with
``PAYMENTS_SIMULATOR_URL=http://127.0.0.1:N``; it calls back ``--callback-url`` (default
``http://127.0.0.1:8000/api/v1/payments/callbacks/simulator``) signed with the same
PAYMENTS_CALLBACK_SECRET.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError

DEFAULT_CALLBACK_URL = "http://127.0.0.1:8000/api/v1/payments/callbacks/simulator"
CLI_ACTOR = Actor.system("payments-cli")


class Command(BaseCommand):
    help = "Payments: process orders, reconcile a settlement file, run the simulated bank."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        process = sub.add_parser("process", help="send created orders, query unanswered ones")
        process.add_argument("--loop", type=float, default=0, help="repeat every N seconds")
        process.add_argument("--limit", type=int, default=1000)
        recon = sub.add_parser("reconcile", help="compare a settlement file with our orders")
        recon.add_argument("--date", required=True, help="business date, YYYY-MM-DD")
        recon.add_argument("--file", type=Path, help="the file (default: fetch from the bank)")
        sim = sub.add_parser("simulator", help="run the simulated bank as its own process")
        sim.add_argument("--port", type=int, required=True)
        sim.add_argument("--host", default="127.0.0.1")
        sim.add_argument("--callback-url", default=DEFAULT_CALLBACK_URL)
        sim.add_argument("--delay", type=float, default=1.0, help="seconds before a callback")

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _process(self, options: dict) -> None:
        from microloan.payments.services.sweep import process_orders

        while True:
            report = process_orders(limit=options["limit"])
            self.stdout.write(
                f"sent {report.sent}, callbacks {report.callbacks}, queried {report.queried}"
            )
            if options["loop"] <= 0:
                return
            time.sleep(options["loop"])

    def _reconcile(self, options: dict) -> None:
        from microloan.payments.models import SettlementBreak
        from microloan.payments.services.reconcile import reconcile_settlement

        try:
            business_date = dt.date.fromisoformat(options["date"])
        except ValueError as error:
            raise CommandError("--date must be YYYY-MM-DD") from error
        text = None
        if options["file"] is not None:
            try:
                text = options["file"].read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"cannot read {options['file']}: {error}") from error
        try:
            run = reconcile_settlement(actor=CLI_ACTOR, business_date=business_date, text=text)
        except DomainError as refusal:
            where = f" (line {refusal.fields['line']})" if "line" in refusal.fields else ""
            raise CommandError(f"{refusal.code}{where}: {refusal.message}") from refusal
        self.stdout.write(
            f"run {run.public_id}: {run.lines} lines, {run.matched} matched, {run.breaks} breaks"
        )
        for item in SettlementBreak.objects.filter(run=run).order_by("id"):
            self.stdout.write(
                f"  {item.kind:16} {item.order_id} ours={item.our_amount}/{item.our_status or '-'}"
                f" theirs={item.their_amount}/{item.their_status or '-'} ref={item.channel_ref}"
            )

    def _simulator(self, options: dict) -> None:
        from microloan.payments.channels.server import serve
        from microloan.payments.conf import callback_secret

        server, _state = serve(
            port=options["port"],
            host=options["host"],
            callback_url=options["callback_url"],
            secret=callback_secret(),
            delay=options["delay"],
        )
        self.stdout.write(
            f"simulated bank on http://{options['host']}:{options['port']}"
            f" calling back {options['callback_url']}"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
