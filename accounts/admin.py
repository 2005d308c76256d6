from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .api_models import ApiApplication, ConsumerKey
from .models import PaymentMethod, Subsidiary, User


@admin.register(Subsidiary)
class SubsidiaryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "currency", "time_zone", "language", "country"]


class PaymentMethodInline(admin.TabularInline):
    model = PaymentMethod
    extra = 0
    fields = ["kind", "label", "expires_on", "status", "is_default", "created_at"]
    readonly_fields = ["kind", "label", "created_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "handle", "email", "legal_form", "subsidiary", "is_staff"]
    list_filter = ["legal_form", "subsidiary", "is_staff", "is_active", ("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["username", "handle", "email", "last_name", "organisation"]
    readonly_fields = ["handle", "closed_at"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Customer"), {"fields": ["handle", "legal_form", "subsidiary", "language", "email_confirmed", "closed_at"]}),
        (
            _("Billing details"),
            {"fields": ["organisation", "address", "city", "postcode", "country", "vat_number", "phone"]},
        ),
    ]
    inlines = [PaymentMethodInline]


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
