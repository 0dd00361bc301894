"""The audit trail in the Django admin: to look at, never to add, change or delete."""

from django.contrib import admin

from .models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = (
        "seq",
        "created_at",
        "actor_kind",
        "actor_id",
        "action",
        "object_type",
        "object_id",
    )
    list_filter = ("actor_kind", "object_type")
    search_fields = ("object_id", "actor_id", "action", "request_id")
    ordering = ("-seq",)
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
