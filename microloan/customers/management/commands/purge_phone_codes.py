from django.core.management.base import BaseCommand

from microloan.customers.verification import purge_phone_codes


class Command(BaseCommand):
    help = "Delete phone codes and request counters outside their windows (nothing they limit)."

    def handle(self, *args, **options):
        deleted = purge_phone_codes()
        self.stdout.write(f"Deleted {deleted} phone code and request counter record(s).")
