from django.contrib import admin

from core.admin_mixins import BumpsPageVersions
from core.page_versions import reference_pages_changed

from .models import Plan, Pricing


class PricingInline(admin.TabularInline):
    model = Pricing
    extra = 0


@admin.register(Plan)
class PlanAdmin(BumpsPageVersions, admin.ModelAdmin):
    list_display = ["plan_code", "family", "name_en", "excludable", "always_validate", "renews", "active"]
    list_filter = ["family", "excludable", "always_validate", "active"]
    search_fields = ["plan_code", "name_en", "name_fr"]
    inlines = [PricingInline]

    def pages_changed(self, objs):
        reference_pages_changed()
