from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BatchConfig(AppConfig):
    name = "microloan.batch"
    label = "batch"
    verbose_name = _("End of day")

    def ready(self) -> None:
        from microloan.backoffice.navigation import NAV_ITEMS

        NAV_ITEMS.append((_("End of day"), "batch:runs", "batch.view_eodrun"))
