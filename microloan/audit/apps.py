from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "microloan.audit"
    label = "audit"

    def ready(self) -> None:
        from microloan.kernel.audit_hook import register_audit_writer

        from .services import record_audit

        register_audit_writer(record_audit)
