from django.contrib import admin

from .models import ProviderAccount, ProviderContact, ServiceProvider


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
