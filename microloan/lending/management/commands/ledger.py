"""``microloan ledger reconcile``: the loan sub-ledger against the general ledger.

Prints one row per product and account (and the totals), then exits 1 if any row differs.
``--date`` only labels the report; balances are always the current ones.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from microloan.kernel.money import format_yuan
from microloan.lending.services.reconcile import TOTAL, Reconciliation, reconcile


def write_reconciliation(result: Reconciliation, write) -> None:
    """The report as text lines through ``write`` (a command's stdout.write)."""
    write(f"Reconciliation of the loan sub-ledger with the general ledger, {result.business_date}")
    write(f"{'product':<10} {'account':<8} {'sub-ledger':>18} {'GL':>18} {'difference':>16}")
    for row in result.rows:
        product = "TOTAL" if row.product_code == TOTAL else (row.product_code or "(none)")
        flag = "  BREAK" if row.difference else ""
        write(
            f"{product:<10} {row.account:<8} {format_yuan(row.subledger):>18}"
            f" {format_yuan(row.general_ledger):>18} {format_yuan(row.difference):>16}{flag}"
        )


class Command(BaseCommand):
    help = "Ledger tools of lending: reconcile the loan sub-ledger with the general ledger."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        run = subcommands.add_parser(
            "reconcile",
            help="Compare loan balances with GL 1301/1302/1303/2241; exit 1 on a break.",
        )
        run.add_argument("--date", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args, subcommand, **options):
        if subcommand == "reconcile":
            self.reconcile(options["date"])

    def reconcile(self, date: dt.date | None) -> None:
        result = reconcile(business_date=date)
        write_reconciliation(result, self.stdout.write)
        if result.ok:
            self.stdout.write(self.style.SUCCESS("OK: sub-ledger and general ledger agree."))
            return
        raise CommandError(f"{len(result.breaks)} reconciliation break(s)", returncode=1)
