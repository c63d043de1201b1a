from django.contrib import admin

from .models import CareAbsence, CareAgreement, CareCheck, CareSubstitute


@admin.register(CareAgreement)
class CareAgreementAdmin(admin.ModelAdmin):
    list_display = ("person", "caregiver_name", "care_level", "starts_on", "ends_on")
    list_filter = ("care_level", "caregiver_kind")
    raw_id_fields = ("person", "street", "organisation", "renews", "created_by")
    # The caregiver's ID number stays out of the admin's lists and forms.
    exclude = ("caregiver_id_number",)


@admin.register(CareAbsence)
class CareAbsenceAdmin(admin.ModelAdmin):
    list_display = ("agreement", "starts_at", "ends_at", "reason", "substitute_due_at")
    raw_id_fields = ("agreement", "person", "recorded_by")


@admin.register(CareSubstitute)
class CareSubstituteAdmin(admin.ModelAdmin):
    list_display = ("absence", "caregiver_name", "named_at")
    raw_id_fields = ("absence", "organisation", "named_by")
    exclude = ("caregiver_id_number",)


@admin.register(CareCheck)
class CareCheckAdmin(admin.ModelAdmin):
    list_display = ("agreement", "checked_on", "unannounced", "satisfaction")
    raw_id_fields = ("agreement", "person", "rectification", "checked_by")
