"""The city admin edits response-time rules here; the rest is for support staff."""

from django.contrib import admin

from .models import HelpRequest, RequestEvent, SlaRule


@admin.register(SlaRule)
class SlaRuleAdmin(admin.ModelAdmin):
    list_display = ["urgency", "first_contact_hours", "resolve_hours"]
    list_editable = ["first_contact_hours", "resolve_hours"]


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "by", "from_status", "to_status", "note"]


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    """Read-mostly: requests change through their services (events, audit), not here."""

    list_display = ["id", "who", "region", "need_type", "urgency", "status", "received_at"]
    list_filter = ["status", "urgency", "need_type", "source"]
    search_fields = ["id", "caller_name", "person__name"]
    raw_id_fields = ["person", "region", "merged_into", "follow_up", "created_by"]
    readonly_fields = [
        "status",
        "first_contact_due_at",
        "resolve_due_at",
        "first_contact_at",
        "resolved_at",
        "closed_at",
    ]
    inlines = [RequestEventInline]
