from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "microloan.accounts"
    label = "accounts"

    def ready(self) -> None:
        from microloan.api.auth import register_token_resolvers

        from .roles import sync_roles_after_migrate
        from .services import resolve_borrower_token, resolve_staff_token

        register_token_resolvers(staff=resolve_staff_token, borrower=resolve_borrower_token)

        # No sender filter: roles are synced once the last app's permissions exist.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="microloan.accounts.sync_roles")
