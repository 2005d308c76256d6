"""API credentials in the admin, read-only: customers create and revoke them in the panel."""

from django.contrib import admin

from .models import ApiApplication, ConsumerKey


class ConsumerKeyInline(admin.TabularInline):
    model = ConsumerKey
    extra = 0
    can_delete = False
    fields = ["account", "state", "access_rules", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApiApplication)
class ApiApplicationAdmin(admin.ModelAdmin):
    """Read-only: customers create and revoke their keys in the panel; the secret never shows here."""

    list_display = ["name", "account", "application_key", "created_at", "revoked_at"]
    search_fields = ["name", "application_key", "account__username"]
    readonly_fields = ["account", "name", "description", "application_key", "created_at", "revoked_at"]
    exclude = ["application_secret_encrypted"]
    inlines = [ConsumerKeyInline]

    def has_add_permission(self, request):
        return False
