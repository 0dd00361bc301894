from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LendingConfig(AppConfig):
    name = "microloan.lending"
    label = "lending"
    verbose_name = _("Lending")

    def ready(self) -> None:
        from .home import register as register_home_figures

        register_home_figures()
        from microloan.backoffice.navigation import NAV_ITEMS

        from .eod import register_eod_steps

        register_eod_steps()

        NAV_ITEMS.append((_("Loans"), "lending:loans", "lending.view_loan"))
        NAV_ITEMS.append((_("Credit lines"), "lending:lines", "lending.view_creditline"))
        NAV_ITEMS.append(
            (_("Pending approvals"), "lending:requests", "lending.change_makercheckerrequest")
        )
