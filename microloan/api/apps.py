from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "microloan.api"
    label = "api"
