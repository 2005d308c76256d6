from django.contrib import admin

from .models import Plan, Pricing


class PricingInline(admin.TabularInline):
    model = Pricing
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["plan_code", "family", "name_en", "excludable", "always_validate", "renews", "active"]
    list_filter = ["family", "excludable", "always_validate", "active"]
    search_fields = ["plan_code", "name_en", "name_fr"]
    inlines = [PricingInline]
