from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW_STRATEGY = "collections.view_collectionstrategy"


class CollectionsConfig(AppConfig):
    name = "microloan.collections"
    label = "collections"
    verbose_name = _("Collections")

    def ready(self) -> None:
        from .home import register as register_home_figures

        register_home_figures()
        from microloan.backoffice.navigation import NAV_ITEMS
        from microloan.batch.registry import hooks, register_hook

        from . import eod

        registered = {step.name for step in hooks("collections")}
        if "collections.cases" not in registered:
            register_hook(
                "collections", name="collections.cases", run=eod.run_cases, partitioned=True
            )
        if "collections.assign" not in registered:
            register_hook(
                "collections",
                name="collections.assign",
                run=eod.run_assignment,
                partitioned=False,
            )
        view_case, work_case = "collections.view_collectioncase", "collections.work_collectioncase"
        NAV_ITEMS.append((_("My cases"), "collections:my_cases", work_case))
        NAV_ITEMS.append((_("Collection cases"), "collections:cases", view_case))
        NAV_ITEMS.append((_("Collection stats"), "collections:stats", view_case))
        NAV_ITEMS.append((_("Collection strategies"), "collections:strategies", VIEW_STRATEGY))
