from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "microloan.products"
    label = "products"
    verbose_name = _("Products")

    def ready(self) -> None:
        from .home import register as register_home_figures

        register_home_figures()
        from microloan.backoffice.navigation import NAV_ITEMS

        NAV_ITEMS.append((_("Products"), "products:list", "products.view_productversion"))
        NAV_ITEMS.append(
            (_("Product approvals"), "products:pending", "products.approve_productversion")
        )
