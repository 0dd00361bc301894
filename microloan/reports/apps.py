from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "microloan.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from microloan.backoffice.navigation import NAV_ITEMS
        from microloan.batch.registry import eod_steps, register_hook

        from .month_end import (
            HOOK_NAME,
            VINTAGE_HOOK_NAME,
            snapshot_loans_at_month_end,
            summarise_vintages_at_month_end,
        )

        NAV_ITEMS.append((_("Analytics"), "reports:overview", "reports.view_reports"))
        if HOOK_NAME not in {step.name for step in eod_steps()}:  # ready() may run twice
            register_hook(
                "analytics", name=HOOK_NAME, run=snapshot_loans_at_month_end, partitioned=True
            )
            register_hook(
                "analytics",
                name=VINTAGE_HOOK_NAME,
                run=summarise_vintages_at_month_end,
                partitioned=False,
            )
