from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "microloan.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from microloan.backoffice.navigation import NAV_ITEMS
        from microloan.batch.registry import eod_steps, register_hook
        from microloan.kernel import events
        from microloan.lending.events import LoanCancelled, LoanDrawn
        from microloan.origination.events import ApplicationDecided

        from . import handlers
        from .services.expiry import expire_offers_step

        events.subscribe(ApplicationDecided, handlers.on_application_decided)
        events.subscribe(LoanDrawn, handlers.on_loan_drawn)
        events.subscribe(LoanCancelled, handlers.on_loan_cancelled)
        for entry in (
            (_("Contracts"), "contracts:contract_search", "contracts.view_contract"),
            (_("Contract templates"), "contracts:template_list", "contracts.view_contracttemplate"),
        ):
            if entry not in NAV_ITEMS:
                NAV_ITEMS.append(entry)
        # Non-partitioned: the few loans still waiting for a signature, whatever their id.
        if "contracts.expire_offers" not in {step.name for step in eod_steps()}:
            register_hook("early_warning", name="contracts.expire_offers", run=expire_offers_step)
