from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "microloan.audit"
    label = "audit"
