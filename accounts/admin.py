from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import BumpsPageVersions
from core.page_versions import account_pages_changed, reference_pages_changed

from .models import PaymentMethod, Subsidiary, User


@admin.register(Subsidiary)
class SubsidiaryAdmin(BumpsPageVersions, admin.ModelAdmin):
    list_display = ["code", "name", "legal_name", "currency", "time_zone", "language", "country"]
    readonly_fields = ["code", "currency", "country"]
    fieldsets = [
        (None, {"fields": ["code", "name", "currency", "time_zone", "language", "country", "payment_kinds"]}),
        (
            _("Legal seller"),
            {
                "fields": [
                    "legal_name", "address", "vat_number", "registration", "share_capital",
                    "contact_email", "contact_phone",
                ]
            },
        ),
        (
            _("Bank details for transfers"),
            {"fields": ["bank_holder", "bank_name", "bank_iban", "bank_account", "bank_bic"]},
        ),
    ]

    def has_add_permission(self, request) -> bool:
        """The thirteen subsidiaries come from a migration; their currency and country never change."""
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def pages_changed(self, objs):
        reference_pages_changed()


class PaymentMethodInline(admin.TabularInline):
    model = PaymentMethod
    extra = 0
    fields = ["kind", "label", "expires_on", "status", "is_default", "created_at"]
    readonly_fields = ["kind", "label", "created_at"]


@admin.register(User)
class UserAdmin(BumpsPageVersions, BaseUserAdmin):
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

    def pages_changed(self, objs):
        """The account's details and payment methods (its inline) show on its pages."""
        account_pages_changed(account_ids=[account.pk for account in objs])
