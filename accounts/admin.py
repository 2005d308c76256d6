from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

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
