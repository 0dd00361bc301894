from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "microloan.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from .home import register as register_home_figures

        register_home_figures()
        from microloan.backoffice.navigation import NAV_ITEMS
        from microloan.batch.registry import eod_steps, register_hook
        from microloan.contracts.events import ContractSigned
        from microloan.kernel import events
        from microloan.lending.events import LoanCancelled, ManualPostingRecorded

        from .services.autodebit import HOOK_NAME, create_auto_debit_orders
        from .subscribers import (
            on_contract_signed,
            on_loan_cancelled,
            on_manual_posting_recorded,
        )

        events.subscribe(ContractSigned, on_contract_signed)
        events.subscribe(LoanCancelled, on_loan_cancelled)
        events.subscribe(ManualPostingRecorded, on_manual_posting_recorded)
        if HOOK_NAME not in {step.name for step in eod_steps()}:
            register_hook(
                "auto_debit", name=HOOK_NAME, run=create_auto_debit_orders, partitioned=True
            )
        NAV_ITEMS.append((_("Payment orders"), "payments:orders", "payments.view_paymentorder"))
        NAV_ITEMS.append(
            (_("Settlement breaks"), "payments:breaks", "payments.view_settlementbreak")
        )
