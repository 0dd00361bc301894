from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.TextChoices):
    PRODUCT = "product", _("Product")
    RISK = "risk", _("Risk")
    MARKETING = "marketing", _("Marketing")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    COLLECTIONS = "collections", _("Collections")
    INTERNAL_AUDIT = "internal_audit", _("Internal audit")
    OPERATIONS = "operations", _("Operations")
    IT = "it", _("IT")


class StaffUser(AbstractUser):
    """A member of the lender's staff. Roles are Django groups (see ``accounts.roles``)."""

    department = models.CharField(_("department"), max_length=32, choices=Department.choices, blank=True)

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")
