"""What the order admins share: read-only inlines, CSV export, one service call per selected row."""

import csv

from django.contrib import admin, messages
from django.http import HttpResponse

from core.errors import OrderError

from ..models import OrderEvent, OrderLine, Payment
from ..transfer_details import order_id_from_reference
from .display import shown_fields


class TransferReferenceSearch:
    """A search for an RF reference (any spacing or case) finds its order's rows; other terms search as usual."""

    reference_lookup = "order_id"

    def get_search_results(self, request, queryset, search_term):
        order_id = order_id_from_reference(search_term)
        if order_id is not None:
            return queryset.filter(**{self.reference_lookup: order_id}), False
        return super().get_search_results(request, queryset, search_term)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the services (invoices, validation cases, IBAN changes): listed and shown, never added,
    changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = shown_fields(
        OrderLine,
        [
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
        ],
    )


class EventInline(ReadOnlyInline):
    model = OrderEvent
    fields = shown_fields(OrderEvent, ["created_at", "label", "from_status", "to_status", "actor", "channel", "data"])
    ordering = ["created_at", "id"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = shown_fields(Payment, ["created_at", "kind", "amount", "status", "failure_reason", "settled_at"])


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def run_for_each(model_admin, request, queryset, done: str, action) -> None:
    """An admin action calling one service per selected row: each refusal is reported and changes nothing."""
    for obj in queryset:
        try:
            action(obj)
        except OrderError as error:
            model_admin.message_user(request, f"{obj.pk}: {error}", messages.ERROR)
        else:
            model_admin.message_user(request, done % {"id": obj.pk})


def csv_safe(text: str) -> str:
    """Text a spreadsheet would take for a formula is quoted with a leading apostrophe."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
