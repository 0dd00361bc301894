from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OriginationConfig(AppConfig):
    name = "microloan.origination"
    label = "origination"
    verbose_name = _("Origination")

    def ready(self) -> None:
        from .home import register as register_home_figures

        register_home_figures()
        from microloan.backoffice.navigation import NAV_ITEMS
        from microloan.batch.registry import eod_steps, register_hook

        from .services.expiry import expire_applications_step

        for item in (
            (_("Applications"), "origination:applications", "origination.view_application"),
            (
                _("Admission policies"),
                "origination:policies",
                "origination.view_admissionpolicy",
            ),
        ):
            if item not in NAV_ITEMS:
                NAV_ITEMS.append(item)
        # Non-partitioned: applications are not loans, the loan-id partitions mean nothing here.
        if "origination.expire_applications" not in {step.name for step in eod_steps()}:
            register_hook(
                "early_warning",
                name="origination.expire_applications",
                run=expire_applications_step,
                partitioned=False,
            )
