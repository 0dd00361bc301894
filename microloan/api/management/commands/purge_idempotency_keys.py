from django.core.management.base import BaseCommand

from microloan.api.idempotency import purge_idempotency_keys


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than IDEMPOTENCY_KEY_TTL_HOURS (at least 24 h)."

    def handle(self, *args, **options):
        deleted = purge_idempotency_keys()
        self.stdout.write(f"Deleted {deleted} idempotency key(s).")
