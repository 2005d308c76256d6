"""Finance's admin: payments, refunds (late ones filtered), credit notes and invoices, all issued by services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.errors import OrderError
from payments.iban import IBAN_INPUT_MAX_LENGTH, masked_iban

from ..models import CreditNote, Invoice, Payment, Refund, RefundDestinationChange
from ..services.payments import payment_mark_transfer_received
from ..services.refund_destinations import MAX_REQUEST, refund_approve_destination, refund_request_destination
from ..services.refunds import late_refunds, refund_retry
from .common import ReadOnlyAdmin, csv_response, run_for_each


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
    # Nothing is edited here, the IBAN least of all: it changes through a request that a second person approves.
    readonly_fields = [f.name for f in Refund._meta.fields]
    actions = ["retry", "export_csv"]
    change_form_template = "admin/orders/refund/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.destination_view)
        return [path("<int:refund_id>/destination/", view, name="orders_refund_destination"), *super().get_urls()]

    def destination_view(self, request, refund_id):
        """Finance enters a new IBAN with the customer's written request; it waits for a second finance person."""
        if not request.user.has_perm("orders.change_refund"):
            raise PermissionDenied
        refund = get_object_or_404(Refund, pk=refund_id)
        form = RefundDestinationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                refund_request_destination(refund_id=refund.pk, staff=request.user, **form.cleaned_data)
            except OrderError as error:
                field = getattr(error, "field", "")
                form.add_error(field if field in form.fields else None, str(error))
            else:
                self.message_user(request, _("The new IBAN waits for a second finance person's approval."))
                return redirect("admin:orders_refund_change", refund.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "refund": refund,
            "title": _("Change the IBAN of refund %(id)s") % {"id": refund.pk},
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/refund/destination.html", context)

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


class RefundDestinationForm(forms.Form):
    iban = forms.CharField(label=_("New IBAN"), max_length=IBAN_INPUT_MAX_LENGTH)
    customer_request = forms.CharField(
        label=_("The customer's written request (reference, date, channel)"),
        widget=forms.Textarea,
        max_length=MAX_REQUEST,
    )


@admin.register(RefundDestinationChange)
class RefundDestinationChangeAdmin(ReadOnlyAdmin):
    """Changes of a refund's IBAN that finance requested; a second, different finance person approves each."""

    list_display = ["id", "refund", "iban_shown", "status", "requested_by", "requested_at", "approved_by"]
    list_filter = ["status"]
    search_fields = ["refund__id", "refund__order__id"]
    fields = [
        "refund",
        "iban_shown",
        "customer_request",
        "status",
        "requested_by",
        "requested_at",
        "approved_by",
        "approved_at",
    ]
    readonly_fields = fields
    actions = ["approve"]


    def has_approve_permission(self, request):
        return request.user.has_perm("orders.change_refund")

    @admin.display(description=_("IBAN"))
    def iban_shown(self, change):
        return masked_iban(change.iban)

    @admin.action(description=_("Approve the new IBAN (a second finance person)"), permissions=["approve"])
    def approve(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            _("Change %(id)s approved."),
            lambda change: refund_approve_destination(change_id=change.pk, staff=request.user),
        )


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
class InvoiceAdmin(ReadOnlyAdmin):
    """Invoices are issued by the worker and never changed: read-only here, no add, no delete."""

    list_display = ["number", "order", "subsidiary", "total_gross", "currency", "issued_at"]
    list_filter = ["subsidiary", "currency"]
    search_fields = ["number", "order__id", "order__account__username"]
    list_select_related = ["order"]
    readonly_fields = [f.name for f in Invoice._meta.fields]

