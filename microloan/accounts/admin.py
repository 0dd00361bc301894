from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from microloan.kernel.actors import Actor
from microloan.kernel.errors import DomainError

from .models import BorrowerApiToken, LoginThrottle, StaffApiToken, StaffUser
from .services import revoke_borrower_tokens, revoke_staff_token


def _sign_in_through_the_back_office(request, extra_context=None):
    """The admin's own login form would check passwords outside the sign-in limits
    (``authenticate_staff``); staff sign in on the back-office page and come back."""
    return redirect_to_login(
        request.GET.get("next") or reverse("admin:index"), login_url=settings.LOGIN_URL
    )


admin.site.login = _sign_in_through_the_back_office


@admin.register(StaffUser)
class StaffUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "department", "is_active", "last_login")
    list_filter = ("department", "groups", "is_active", "is_staff", "is_superuser")
    fieldsets = (
        *UserAdmin.fieldsets[:1],
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "department")}),
        *UserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "department",
                    "groups",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


class _TokenAdmin(admin.ModelAdmin):
    """Tokens are made through the API or the back office (so the raw value reaches its owner
    once). Here they can be inspected and revoked through the services (audited), never edited;
    the hash is not shown."""

    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]


@admin.register(StaffApiToken)
class StaffApiTokenAdmin(_TokenAdmin):
    list_display = (
        "public_id",
        "user",
        "name",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("public_id", "user__username", "name")
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        actor = Actor.from_user(request.user)
        for token in queryset:
            try:
                revoke_staff_token(actor=actor, token_id=token.public_id)
            except DomainError as exc:
                self.message_user(request, f"{token.public_id}: {exc.message}", level="error")


@admin.register(BorrowerApiToken)
class BorrowerApiTokenAdmin(_TokenAdmin):
    list_display = (
        "public_id",
        "borrower_id",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    search_fields = ("public_id", "borrower_id")
    actions = ["revoke_all_of_borrower"]

    @admin.action(description=_("Revoke every token of the selected tokens' borrowers"))
    def revoke_all_of_borrower(self, request, queryset):
        actor = Actor.from_user(request.user)
        for borrower_id in sorted(set(queryset.values_list("borrower_id", flat=True))):
            try:
                revoke_borrower_tokens(actor=actor, borrower_id=borrower_id)
            except DomainError as exc:
                self.message_user(request, f"{borrower_id}: {exc.message}", level="error")


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ("username", "client_ip", "failures", "last_failure_at", "locked_until")
    search_fields = ("username", "client_ip")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
