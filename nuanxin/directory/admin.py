from django.contrib import admin

from .models import (
    Hotline,
    Organisation,
    OrganisationAccount,
    OrganisationContact,
    ProviderAccount,
    ProviderContact,
    ServiceProvider,
)


class ProviderContactInline(admin.TabularInline):
    model = ProviderContact
    extra = 1


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "phone", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "services"]
    filter_horizontal = ["service_area"]
    inlines = [ProviderContactInline]


@admin.register(ProviderAccount)
class ProviderAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "provider"]
    raw_id_fields = ["user"]


class OrganisationContactInline(admin.TabularInline):
    model = OrganisationContact
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "phone", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    raw_id_fields = ["region"]
    inlines = [OrganisationContactInline]


@admin.register(OrganisationAccount)
class OrganisationAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation"]
    raw_id_fields = ["user"]


@admin.register(Hotline)
class HotlineAdmin(admin.ModelAdmin):
    list_display = ["unit", "number", "hours", "region", "position", "active"]
    list_filter = ["active"]
    search_fields = ["unit", "number", "topic"]
    raw_id_fields = ["region"]
