"""The city admin edits tier rules, the checklist and (through versions) visit policies here."""

from django.contrib import admin

from . import services
from .models import ChecklistVersion, ColdSnap, CoverageSignoff, TierRule, VisitPolicy


def _refresh_all() -> None:
    services.schedules_refresh_everywhere()


@admin.register(TierRule)
class TierRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "position", "active", "conditions"]
    list_editable = ["position", "active"]
    list_filter = ["tier", "active"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _refresh_all()  # every person's tier may follow


@admin.register(VisitPolicy)
class VisitPolicyAdmin(admin.ModelAdmin):
    """Policies are versioned: add a version from a date; never edit one in place."""

    list_display = ["tier", "valid_from", "max_gap_days", "methods", "major_change_hours"]
    list_filter = ["tier"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        _refresh_all()


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "valid_from"]


@admin.register(ColdSnap)
class ColdSnapAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "cancelled_at"]
    readonly_fields = ["created_by", "created_at", "cancelled_at"]

    def has_add_permission(self, request):
        return False  # declared on /cold-snaps/, so duties follow


@admin.register(CoverageSignoff)
class CoverageSignoffAdmin(admin.ModelAdmin):
    list_display = ["region", "month", "signed_by", "signed_at", "countersigned_by"]

    def has_change_permission(self, request, obj=None):
        return False
