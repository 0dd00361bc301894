from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BatchConfig(AppConfig):
    name = "microloan.batch"
    label = "batch"
    verbose_name = _("End of day")

    def ready(self) -> None:
        from microloan.backoffice.dashboard import HEALTH_CHECKS
        from microloan.backoffice.navigation import NAV_ITEMS

        from .health import end_of_day_health

        HEALTH_CHECKS.append(end_of_day_health)
        NAV_ITEMS.append((_("End of day"), "batch:runs", "batch.view_eodrun"))
