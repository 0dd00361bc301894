from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "microloan.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from microloan.backoffice.navigation import NAV_ITEMS
        from microloan.batch.registry import hooks, register_hook

        from .phone_codes import subscribe_phone_codes
        from .reminders import write_reminders
        from .subscribers import subscribe_all

        subscribe_all()
        subscribe_phone_codes()
        if not any(step.name == "notifications.reminders" for step in hooks("reminders")):
            register_hook(
                "reminders", name="notifications.reminders", run=write_reminders, partitioned=True
            )
        NAV_ITEMS.append(
            (_("Notifications"), "notifications:messages", "notifications.view_message")
        )
        NAV_ITEMS.append(
            (
                _("Message templates"),
                "notifications:templates",
                "notifications.view_messagetemplate",
            )
        )
