from django.apps import AppConfig


class OriginationConfig(AppConfig):
    name = "microloan.origination"
    label = "origination"
