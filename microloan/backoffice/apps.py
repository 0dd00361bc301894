from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "microloan.backoffice"
    label = "backoffice"
