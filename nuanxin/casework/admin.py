"""The city admin edits response-time rules here; the rest is for support staff."""

from django.contrib import admin

from .models import SlaRule


@admin.register(SlaRule)
class SlaRuleAdmin(admin.ModelAdmin):
    list_display = ["urgency", "first_contact_hours", "resolve_hours"]
    list_editable = ["first_contact_hours", "resolve_hours"]
