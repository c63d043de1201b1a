"""Admin views of the registry: for looking things up, not for editing.

Every write to a person goes through `registry.services` (validated, scoped,
audited), so the admin shows records read-only and keeps identifiers masked.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from nuanxin.core.masking import mask_id_number, mask_phone

from .models import (
    PERSON_FIELDS,
    Consent,
    Contact,
    Device,
    Disability,
    Enrollment,
    Household,
    Person,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EnrollmentInline(ReadOnlyMixin, admin.TabularInline):
    model = Enrollment
    extra = 0
    fields = ["category", "start_date", "end_date", "source"]


class DisabilityInline(ReadOnlyMixin, admin.TabularInline):
    model = Disability
    extra = 0


class ContactInline(ReadOnlyMixin, admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "relation", "masked_phone", "is_guardian", "is_emergency"]
    readonly_fields = ["masked_phone"]

    @admin.display(description=_("other phone"))
    def masked_phone2(self, obj):
        return mask_phone(obj.phone2)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(Person)
class PersonAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "masked_id", "region", "status", "tier", "living", "updated_at"]
    list_filter = ["status", "tier", "living"]
    search_fields = ["name", "name_pinyin", "name_initials", "=id_number"]
    list_select_related = ["region"]
    show_full_result_count = False  # no COUNT(*) over a million rows on every search
    # The record's fields (registry.models.PERSON_FIELDS), identifiers masked.
    fields = [
        {"id_number": "masked_id", "phone": "masked_phone", "phone2": "masked_phone2"}.get(f, f)
        for f in PERSON_FIELDS
    ] + ["sex", "birth_date", "tier", "created_at", "updated_at"]
    readonly_fields = fields
    inlines = [EnrollmentInline, DisabilityInline, ContactInline]

    @admin.display(description=_("ID number"))
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("other phone"))
    def masked_phone2(self, obj):
        return mask_phone(obj.phone2)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(Household)
class HouseholdAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "address", "region", "created_at"]
    search_fields = ["number", "address"]
    list_select_related = ["region"]


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["person", "category", "start_date", "end_date", "source"]
    list_filter = ["category"]
    search_fields = ["person__name", "person__name_initials", "source"]
    list_select_related = ["person"]
    raw_id_fields = ["person"]


@admin.register(Contact)
class ContactAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "relation", "person", "is_guardian", "is_emergency"]
    list_filter = ["is_guardian", "is_emergency"]
    search_fields = ["name", "person__name"]
    list_select_related = ["person"]
    exclude = ["phone"]


@admin.register(Disability)
class DisabilityAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["person", "category", "grade"]
    list_filter = ["category", "grade"]
    search_fields = ["person__name"]
    list_select_related = ["person"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["person", "purpose", "method", "given_on", "withdrawn_on"]
    list_filter = ["purpose", "method"]
    search_fields = ["person__name"]
    list_select_related = ["person"]


@admin.register(Device)
class DeviceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["person", "kind", "installed_on", "campaign", "needs_removal", "removed_on"]
    list_filter = ["kind", "needs_removal"]
    search_fields = ["person__name", "serial", "campaign"]
    list_select_related = ["person"]
