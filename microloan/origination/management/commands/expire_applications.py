"""``microloan expire_applications [--date YYYY-MM-DD]``: expire applications left in review
(or returned) longer than the admission policy's ``review_expiry_days``. End of day runs the
same function; this is for a manual run."""

import datetime as dt

from django.core.management.base import BaseCommand

from microloan.kernel.actors import Actor
from microloan.kernel.services import get_business_date
from microloan.origination.services import expire_stale_applications


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, date=None, **options):
        count = expire_stale_applications(
            actor=Actor.system("origination.cli"), business_date=date or get_business_date()
        )
        self.stdout.write(f"expired {count} application(s)")
