from django.apps import AppConfig


class LendingConfig(AppConfig):
    name = "microloan.lending"
    label = "lending"
