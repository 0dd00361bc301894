from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "microloan.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from microloan.backoffice.navigation import NAV_ITEMS
        from microloan.kernel import events

        from . import handlers

        events.subscribe("application.decided", handlers.on_application_decided)
        events.subscribe("loan.drawn", handlers.on_loan_drawn)
        events.subscribe("loan.cancelled", handlers.on_loan_cancelled)
        for entry in (
            (_("Contracts"), "contracts:contract_search", "contracts.view_contract"),
            (_("Contract templates"), "contracts:template_list", "contracts.view_contracttemplate"),
        ):
            if entry not in NAV_ITEMS:
                NAV_ITEMS.append(entry)
