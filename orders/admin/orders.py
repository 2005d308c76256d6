"""Staff views of orders, services and withdrawals: read-only history and evidence; changes go through services only."""

from datetime import UTC

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import BumpsPageVersions
from core.errors import OrderError
from core.money import quantize
from core.page_versions import account_pages_changed

from ..forms.withdrawal import StaffWithdrawalForm
from ..models import Consent, Order, Service, Withdrawal, WithdrawalLine
from ..page_versions import order_pages_changed
from ..services.delivery import order_retry_delivery
from .common import (
    EventInline,
    LineInline,
    PaymentInline,
    ReadOnlyInline,
    TransferReferenceSearch,
    csv_response,
    csv_safe,
    run_for_each,
)
from .display import shown_fields


class ConsentInline(ReadOnlyInline):
    model = Consent
    fields = shown_fields(
        Consent, ["kind", "text_key", "text_version", "language", "given_at", "ip", "channel", "application_key"]
    )


@admin.register(Order)
class OrderAdmin(BumpsPageVersions, TransferReferenceSearch, admin.ModelAdmin):
    reference_lookup = "pk"
    list_display = shown_fields(
        Order, ["id", "account", "kind", "status", "cancel_reason", "total_gross", "created_at", "expires_at"]
    )
    list_filter = ["status", "kind", "subsidiary", "cancel_reason"]
    # A number alone is an order number, matched exactly (see get_search_results); other terms
    # search the account's handle, username and email.
    search_fields = ["=id", "account__username", "account__handle", "account__email"]
    search_help_text = _("Order number, transfer reference (RF…), customer handle, username or email")
    date_hierarchy = "created_at"
    list_select_related = ["account", "subsidiary"]
    fields = readonly_fields = shown_fields(Order)
    inlines = [LineInline, PaymentInline, ConsentInline, EventInline]
    actions = ["export_csv", "retry_delivery"]

    def has_add_permission(self, request):
        return False

    def pages_changed(self, objs):
        order_pages_changed(order_ids=[order.pk for order in objs])

    def pages_deleted(self, objs):
        """A deleted order's pages are gone; its account's list must drop it."""
        account_pages_changed(account_ids=[order.account_id for order in objs])

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
                csv_safe(order.account.handle),
                order.status,
                str(quantize(order.total_gross, order.currency)),
                order.currency,
            ]
            for order in queryset.select_related("account").order_by("pk")
        )
        return csv_response("orders.csv", ["number", "date", "account", "status", "total_incl_vat", "currency"], rows)


@admin.register(Service)
class ServiceAdmin(BumpsPageVersions, admin.ModelAdmin):
    list_display = ["name", "account", "plan", "period_start", "period_end", "renews", "status"]
    list_filter = ["status", "renews"]
    search_fields = ["name", "account__username"]
    readonly_fields = ["origin_line"]

    def pages_changed(self, objs):
        """The order a service came from shows it."""
        order_pages_changed(order_ids=[service.origin_line.order_id for service in objs])


class WithdrawalLineInline(ReadOnlyInline):
    model = WithdrawalLine
    fields = shown_fields(WithdrawalLine, ["line", "amount", "vat_amount"])


@admin.register(Withdrawal)
class WithdrawalAdmin(admin.ModelAdmin):
    """Withdrawals, and the page where staff record one received by email or letter."""

    list_display = shown_fields(Withdrawal, ["id", "order", "requested_at", "channel", "refund_total", "reason"])
    list_filter = ["channel", "reason"]
    search_fields = ["order__id", "email"]
    list_select_related = ["order__subsidiary"]
    fields = readonly_fields = shown_fields(Withdrawal)
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
