from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "microloan.risk"
    label = "risk"
