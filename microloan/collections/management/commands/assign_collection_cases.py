"""``microloan assign_collection_cases``: give unassigned open cases to collectors by workload
now, rather than at the next end of day (e.g. after adding collectors)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from microloan.collections.services.assignment import assign_cases
from microloan.kernel.actors import Actor


class Command(BaseCommand):
    help = "Assign unassigned open collection cases to collectors by workload."

    def handle(self, *args, **options):
        assigned = assign_cases(actor=Actor.system("assign_collection_cases"))
        self.stdout.write(f"{assigned} cases assigned")
