"""Finance's admin: payments, refunds (late ones filtered), credit notes and invoices, all issued by services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import CreditNote, Invoice, Payment, Refund
from ..services.payments import payment_mark_transfer_received
from ..services.refunds import late_refunds, refund_retry
from .common import csv_response, run_for_each


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
        run_for_each(
            self,
            request,
            queryset,
            _("Payment %(id)s marked as received."),
            lambda payment: payment_mark_transfer_received(payment_id=payment.pk),
        )


class LateFilter(admin.SimpleListFilter):
    title = _("late")
    parameter_name = "late"

    def lookups(self, request, model_admin):
        return [("1", _("Late (past due, not paid)"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(pk__in=[refund.pk for refund in late_refunds()])
        return queryset


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "order",
        "cause",
        "amount",
        "currency",
        "kind",
        "status",
        "due_on",
        "paid_at",
        "attempts",
        "last_error",
    ]
    list_filter = ["status", LateFilter, "cause", "currency", "kind"]
    search_fields = ["order__id", "idempotency_key", "gateway_reference"]
    list_select_related = ["order"]
    readonly_fields = [f.name for f in Refund._meta.fields if f.name != "iban"]
    actions = ["retry", "export_csv"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry failed refunds"), permissions=["change"])
    def retry(self, request, queryset):
        run_for_each(
            self, request, queryset, _("Refund %(id)s queued again."), lambda refund: refund_retry(refund_id=refund.pk)
        )

    @admin.action(description=_("Export as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        columns = [
            "id",
            "order_id",
            "cause",
            "amount",
            "currency",
            "kind",
            "status",
            "due_on",
            "paid_at",
            "gateway_reference",
            "attempts",
            "last_error",
        ]
        rows = ([getattr(refund, column) for column in columns] for refund in queryset.order_by("pk"))
        return csv_response("refunds.csv", columns, rows)


@admin.register(CreditNote)
class CreditNoteAdmin(admin.ModelAdmin):
    list_display = ["number", "refund", "subsidiary", "amount", "currency", "issued_at"]
    list_filter = ["subsidiary", "currency"]
    search_fields = ["number", "refund__order__id"]
    readonly_fields = [f.name for f in CreditNote._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Invoices are issued by the worker and never changed: read-only here, no add, no delete."""

    list_display = ["number", "order", "subsidiary", "total_gross", "currency", "issued_at"]
    list_filter = ["subsidiary", "currency"]
    search_fields = ["number", "order__id", "order__account__username"]
    list_select_related = ["order"]
    readonly_fields = [f.name for f in Invoice._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
