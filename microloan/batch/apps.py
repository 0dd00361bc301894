from django.apps import AppConfig


class BatchConfig(AppConfig):
    name = "microloan.batch"
    label = "batch"
