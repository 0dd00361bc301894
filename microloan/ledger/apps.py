from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LedgerConfig(AppConfig):
    name = "microloan.ledger"
    label = "ledger"

    def ready(self) -> None:
        from .chart import restore_chart_after_flush

        post_migrate.connect(
            restore_chart_after_flush, sender=self, dispatch_uid="microloan.ledger.restore_chart"
        )
