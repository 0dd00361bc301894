import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from microloan.accounts.services import purge_login_throttles


class Command(BaseCommand):
    help = (
        "Delete sign-in throttles unlocked and without failures for LOGIN_FAILURE_WINDOW_SECONDS."
    )

    def handle(self, *args, **options):
        window = dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
        deleted = purge_login_throttles(older_than=timezone.now() - window)
        self.stdout.write(f"Deleted {deleted} sign-in throttle(s).")
