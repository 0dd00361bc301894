from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "microloan.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from microloan.backoffice.navigation import NAV_ITEMS

        from .crypto import key_ring

        # A malformed FIELD_ENCRYPTION_KEYS stops start-up with ImproperlyConfigured, not the
        # first request that touches a customer.
        key_ring()
        NAV_ITEMS.append((_("Customers"), "customers:search", "customers.view_customer"))
        NAV_ITEMS.append(
            (
                _("Personal data access log"),
                "customers:access_log",
                "customers.view_personaldataaccess",
            )
        )
