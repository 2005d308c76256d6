"""Staff views of orders: read-only history and evidence; changes go through services only."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .errors import OrderError
from .models import Consent, Order, OrderEvent, OrderLine, Payment, Service
from .services.payments import payment_mark_transfer_received


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "group",
        "kind",
        "description",
        "quantity",
        "unit_price",
        "reduction",
        "net_total",
        "vat_rate",
        "vat_amount",
        "gross_amount",
        "period_start",
        "period_end",
        "delivered_at",
        "cancelled_at",
    ]


class EventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["created_at", "label", "from_status", "to_status", "actor", "channel", "data"]
    ordering = ["created_at", "id"]


class ConsentInline(ReadOnlyInline):
    model = Consent
    fields = ["kind", "text_key", "text_version", "language", "given_at", "ip", "channel", "application_key"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["created_at", "kind", "amount", "currency", "status", "failure_reason", "settled_at"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "account",
        "kind",
        "status",
        "cancel_reason",
        "total_gross",
        "currency",
        "created_at",
        "expires_at",
    ]
    list_filter = ["status", "kind", "subsidiary", "cancel_reason"]
    search_fields = ["id", "account__username", "account__handle", "account__email"]
    date_hierarchy = "created_at"
    list_select_related = ["account"]
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [LineInline, PaymentInline, ConsentInline, EventInline]

    def has_add_permission(self, request):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["id", "order", "kind", "amount", "currency", "status", "created_at", "settled_at"]
    list_filter = ["status", "kind", "currency"]
    search_fields = ["order__id", "idempotency_key", "gateway_reference"]
    readonly_fields = [f.name for f in Payment._meta.fields]
    actions = ["mark_transfer_received"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Mark bank transfer as received"), permissions=["change"])
    def mark_transfer_received(self, request, queryset):
        for payment in queryset:
            try:
                payment_mark_transfer_received(payment_id=payment.pk)
            except OrderError as error:
                self.message_user(request, f"{payment.pk}: {error}", messages.ERROR)
            else:
                self.message_user(request, _("Payment %(id)s marked as received.") % {"id": payment.pk})


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "plan", "period_start", "period_end", "renews", "status"]
    list_filter = ["status", "renews"]
    search_fields = ["name", "account__username"]
    readonly_fields = ["origin_line"]
