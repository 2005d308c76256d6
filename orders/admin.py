"""Staff views of orders: read-only history and evidence; changes go through services only."""

import csv
from datetime import UTC

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.errors import OrderError
from core.money import quantize

from .forms import StaffWithdrawalForm
from .models import (
    Consent,
    CreditNote,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Refund,
    Service,
    Withdrawal,
    WithdrawalLine,
)
from .services.delivery import order_retry_delivery
from .services.payments import payment_mark_transfer_received
from .services.refunds import late_refunds, refund_retry


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
    # A number alone is an order number, matched exactly (see get_search_results); other terms
    # search the account's handle, username and email.
    search_fields = ["=id", "account__username", "account__handle", "account__email"]
    search_help_text = _("Order number, customer handle, username or email")
    date_hierarchy = "created_at"
    list_select_related = ["account"]
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [LineInline, PaymentInline, ConsentInline, EventInline]
    actions = ["export_csv", "retry_delivery"]

    def has_add_permission(self, request):
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.isdigit():
            return queryset.filter(pk=int(term)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.action(description=_("Retry the delivery of failed orders"), permissions=["change"])
    def retry_delivery(self, request, queryset):
        """Orders whose delivery failed (status Error) go back to delivery; any other is refused, unchanged."""
        run_for_each(
            self,
            request,
            queryset,
            _("Delivery of order %(id)s restarted."),
            lambda order: order_retry_delivery(order_id=order.pk, staff=request.user),
        )

    @admin.action(description=_("Export as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        """The selected orders: number, date (UTC), account handle, status, total incl. VAT, currency."""
        rows = (
            [
                order.number,
                order.created_at.astimezone(UTC).isoformat(),
                _csv_safe(order.account.handle),
                order.status,
                str(quantize(order.total_gross, order.currency)),
                order.currency,
            ]
            for order in queryset.select_related("account").order_by("pk")
        )
        return csv_response("orders.csv", ["number", "date", "account", "status", "total_incl_vat", "currency"], rows)


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


def _csv_safe(text: str) -> str:
    """Text a spreadsheet would take for a formula is quoted with a leading apostrophe."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


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


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "plan", "period_start", "period_end", "renews", "status"]
    list_filter = ["status", "renews"]
    search_fields = ["name", "account__username"]
    readonly_fields = ["origin_line"]


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


class WithdrawalLineInline(ReadOnlyInline):
    model = WithdrawalLine
    fields = ["line", "amount", "vat_amount"]


@admin.register(Withdrawal)
class WithdrawalAdmin(admin.ModelAdmin):
    """Withdrawals, and the page where staff record one received by email or letter."""

    list_display = ["id", "order", "requested_at", "channel", "refund_total", "reason"]
    list_filter = ["channel", "reason"]
    search_fields = ["order__id", "email"]
    readonly_fields = [f.name for f in Withdrawal._meta.fields]
    inlines = [WithdrawalLineInline]
    change_list_template = "admin/orders/withdrawal/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        record = self.admin_site.admin_view(self.record_view)
        return [path("record/", record, name="orders_withdrawal_record"), *super().get_urls()]

    def record_view(self, request):
        """Same service as the panel, with the date the customer sent it (art. 11(1)–(2))."""
        if not request.user.has_perm("orders.add_withdrawal"):
            raise PermissionDenied
        form = StaffWithdrawalForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                withdrawal = form.record(staff=request.user)
            except OrderError as error:
                field = {"requested_at": "date_sent"}.get(getattr(error, "field", ""), getattr(error, "field", ""))
                form.add_error(field if field in form.fields else None, str(error))
            else:
                self.message_user(
                    request, _("Withdrawal of order %(order)s recorded.") % {"order": withdrawal.order_id}
                )
                return redirect("admin:orders_withdrawal_change", withdrawal.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Record a withdrawal"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/withdrawal/record.html", context)


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


from . import admin_validation  # noqa: E402,F401
