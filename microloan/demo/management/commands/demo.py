"""``microloan demo``: a development installation with one login per role and demo data.

Creates one staff user per role (username = role name) with a random password printed once,
then calls ``build_demo(stdout)`` of every installed ``microloan.<app>.demo`` module, in
INSTALLED_APPS order, so each app adds its own demo data, and last builds the living demo book
(``microloan.demo.book``: borrowers through origination, contracts, payments and months of end
of day; ``--customers`` and ``--days`` size it). Refuses unless DEBUG is on.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from microloan.accounts.roles import ADMIN, ROLE_DEPARTMENTS, ROLES, sync_roles
from microloan.customers.demo import build_demo as build_customers_demo
from microloan.demo.book import DEMO_CUSTOMERS, DEMO_DAYS, build_book
from microloan.lending.demo import build_demo as build_lending_demo
from microloan.products.demo import build_demo as build_products_demo

RESET_HINT = "microloan demo --reset-passwords"
StaffUser = get_user_model()  # accounts.StaffUser, without reaching into accounts' models


def _new_password() -> str:
    return secrets.token_urlsafe(12)


APP_DEMOS = (
    ("products", build_products_demo),
    ("lending", build_lending_demo),
    ("customers", build_customers_demo),
)


class Command(BaseCommand):
    help = "Development only: one staff login per role (passwords printed) and demo data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if any staff user exists (what `make run` uses)",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="give the demo logins new random passwords and print them; nothing else",
        )
        parser.add_argument(
            "--customers",
            type=int,
            default=DEMO_CUSTOMERS,
            help=f"people in the demo book (default {DEMO_CUSTOMERS}; 0: no book)",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=DEMO_DAYS,
            help=f"business days of end of day the book runs (default {DEMO_DAYS})",
        )

    def handle(
        self, *args, if_empty: bool, reset_passwords: bool, customers: int, days: int, **options
    ):
        if not settings.DEBUG:
            raise CommandError(
                "microloan demo creates logins with printed passwords; it only runs with DEBUG on."
            )
        if reset_passwords:
            self._reset_passwords()
            return
        if customers < 0 or days < 0:
            raise CommandError("--customers and --days must be 0 or more.")
        if if_empty and StaffUser.objects.exists():
            self.stdout.write(
                "Staff logins exist already; no demo data added. "
                f"To get new passwords for the demo logins: {RESET_HINT}"
            )
            return
        sync_roles()
        self._print_logins(self._create_staff())
        self._build_app_demos()
        build_book(self.stdout, customers=customers, days=days)

    def _create_staff(self) -> list[tuple[str, str]]:
        logins = []
        with transaction.atomic():
            for role in ROLES:
                if StaffUser.objects.filter(username=role).exists():
                    logins.append((role, f"(exists, unchanged; {RESET_HINT})"))
                    continue
                password = _new_password()
                user = StaffUser.objects.create_user(
                    username=role,
                    password=password,
                    department=ROLE_DEPARTMENTS[role],
                    is_staff=role == ADMIN,  # the Django admin site is for administrators
                )
                user.groups.add(Group.objects.get(name=role))
                logins.append((role, password))
        return logins

    def _reset_passwords(self) -> None:
        logins = []
        with transaction.atomic():
            for user in StaffUser.objects.filter(username__in=ROLES).order_by("username"):
                password = _new_password()
                user.set_password(password)
                user.save(update_fields=["password"])
                logins.append((user.username, password))
        if not logins:
            self.stdout.write("No demo logins exist; run: microloan demo")
            return
        self._print_logins(logins)

    def _print_logins(self, logins: list[tuple[str, str]]) -> None:
        self.stdout.write("Demo staff logins (username = role):")
        for username, password in logins:
            self.stdout.write(f"  {username:<18} {password}")

    def _build_app_demos(self) -> None:
        # Named, not discovered: a misspelt or missing module fails here instead of being
        # skipped without a word (the installed order: products, lending, customers).
        for label, build_demo in APP_DEMOS:
            self.stdout.write(f"Demo data: {label}")
            build_demo(self.stdout)
