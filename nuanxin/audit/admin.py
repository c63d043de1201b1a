from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, even for superusers."""

    list_display = ["at", "username", "action", "object_type", "object_id", "object_repr", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_repr", "object_id", "reason"]
    date_hierarchy = "at"
    list_select_related = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
