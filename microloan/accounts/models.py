"""Staff users, API tokens for staff and borrowers, and sign-in throttles.

Tokens are bearer secrets shown once on creation; only their SHA-256 is stored, so a copy of
the database does not let anyone call the API. Sign-in throttles live in the database (not process
memory) so the limit holds across every web process.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.kernel.ids import PUBLIC_ID_MAX_LENGTH


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

    department = models.CharField(
        _("department"), max_length=32, choices=Department.choices, blank=True
    )

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")


class StaffApiToken(models.Model):
    """A staff member's API bearer token (``mls_…``). The raw value exists only in the reply."""

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff API token")
        verbose_name_plural = _("staff API tokens")
        ordering = ["-created_at", "-id"]
        permissions = [("manage_api_tokens", "Can list and revoke other staff members' API tokens")]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.name})"


class BorrowerApiToken(models.Model):
    """A borrower's API bearer token (``mlb_…``), issued when the borrower signs in."""

    public_id = models.CharField(max_length=PUBLIC_ID_MAX_LENGTH, unique=True, editable=False)
    # The customer's public id; a string because customers live in an app built later.
    borrower_id = models.CharField(_("borrower"), max_length=PUBLIC_ID_MAX_LENGTH, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("borrower API token")
        verbose_name_plural = _("borrower API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.public_id


class LoginThrottle(models.Model):
    """Consecutive failed staff sign-ins for one key, and until when the key is locked.

    A key is a username at a client address, so a stranger elsewhere cannot lock a staff member
    out by name; ``username`` empty is the address itself, which bounds one address trying many
    usernames. An attempt is counted before its password is checked, in one locked transaction,
    so parallel attempts cannot slip past the limit.
    """

    username = models.CharField(max_length=150, blank=True)
    client_ip = models.CharField(max_length=45)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in throttle")
        verbose_name_plural = _("sign-in throttles")
        constraints = [
            models.UniqueConstraint(fields=["username", "client_ip"], name="loginthrottle_key")
        ]

    def __str__(self) -> str:
        return f"{self.username or '*'} from {self.client_ip}: {self.failures}"
