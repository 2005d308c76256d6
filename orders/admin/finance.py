"""Finance's admin: payments, refunds (late ones filtered), credit notes and invoices, all issued by services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import BumpsPageVersions
from core.errors import OrderError
from payments.iban import IBAN_INPUT_MAX_LENGTH, grouped, masked_iban
from payments.kinds import PaymentKind

from ..models import CreditNote, Invoice, Payment, Refund, RefundDestinationChange, TransferReceipt
from ..page_versions import order_pages_changed
from ..services.refund_destinations import MAX_REQUEST, refund_approve_destination, refund_request_destination
from ..services.refunds import late_refunds, refund_retry
from ..services.transfers import MAX_BANK_ENTRY, TransferOutcome, transfer_receive
from ..transfer_details import transfer_reference
from .common import ReadOnlyAdmin, TransferReferenceSearch, csv_response, run_for_each
from .display import money, shown_fields


class TransferReceivedForm(forms.Form):
    reference = forms.CharField(label=_("Transfer reference (RF…)"), max_length=40)
    amount = forms.DecimalField(label=_("Amount received"), max_digits=15, decimal_places=3)
    bank_entry = forms.CharField(
        label=_("Bank statement entry"),
        max_length=MAX_BANK_ENTRY,
        help_text=_("The entry's own reference on the bank statement: the same entry is never counted twice."),
    )


def transfer_outcome_message(outcome: TransferOutcome) -> str:
    """What finance is told: paid, still short (and by how much), or refunded."""
    payment, order = outcome.payment, outcome.payment.order
    amounts = {
        "order": order.pk,
        "received": money(outcome.received, order.currency),
        "missing": money(outcome.missing, order.currency),
    }
    if payment.status == Payment.Status.PENDING:
        return _("Order %(order)s: %(received)s received, %(missing)s still missing; it stays unpaid.") % amounts
    refunds = payment.refunds.order_by("pk")
    if refunds.filter(cause=Refund.Cause.LATE_PAYMENT).exists():
        return (
            _("Order %(order)s no longer waits for payment: the %(received)s received are refunded in full.") % amounts
        )
    excess = refunds.filter(cause=Refund.Cause.EXCESS).first()
    if excess is not None:
        return _("Order %(order)s is paid; the excess of %(excess)s is refunded to the payer.") % {
            **amounts,
            "excess": money(excess.amount, order.currency),
        }
    return _("Order %(order)s is paid.") % amounts


@admin.register(Payment)
class PaymentAdmin(BumpsPageVersions, TransferReferenceSearch, admin.ModelAdmin):
    list_display = shown_fields(
        Payment, ["id", "order", "kind", "amount", "status", "transfer_reference", "created_at", "settled_at"]
    )
    list_filter = ["status", "kind", "currency"]
    search_fields = ["order__id", "idempotency_key", "gateway_reference"]
    search_help_text = _("Order number, transfer reference (RF…), idempotency key or gateway reference")
    list_select_related = ["order__subsidiary"]
    fields = readonly_fields = shown_fields(Payment)
    change_list_template = "admin/orders/payment/change_list.html"

    def has_add_permission(self, request):
        return False

    def pages_changed(self, objs):
        order_pages_changed(order_ids=[payment.order_id for payment in objs])

    @admin.display(description=_("Transfer reference"))
    def transfer_reference(self, payment):
        return grouped(transfer_reference(payment.order_id)) if payment.kind == PaymentKind.BANK_TRANSFER else ""

    def get_urls(self):
        view = self.admin_site.admin_view(self.transfer_received_view)
        return [path("transfer-received/", view, name="orders_payment_transfer_received"), *super().get_urls()]

    def transfer_received_view(self, request):
        """Finance records a transfer seen on the bank statement, by its reference and the amount that arrived."""
        if not request.user.has_perm("orders.change_payment"):
            raise PermissionDenied
        initial = {"reference": request.GET.get("reference", "")}
        form = TransferReceivedForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                outcome = transfer_receive(staff=request.user, **form.cleaned_data)
            except OrderError as error:
                field = getattr(error, "field", "")
                form.add_error(field if field in form.fields else None, str(error))
            else:
                self.message_user(request, transfer_outcome_message(outcome), messages.SUCCESS)
                return redirect("admin:orders_payment_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Record a bank transfer received"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/orders/payment/transfer_received.html", context)


@admin.register(TransferReceipt)
class TransferReceiptAdmin(TransferReferenceSearch, ReadOnlyAdmin):
    """What finance recorded from the bank statements, receipt by receipt."""

    list_display = ["id", "order", "payment", "amount", "currency", "bank_entry", "recorded_by", "recorded_at"]
    list_filter = ["currency"]
    search_fields = ["=order__id", "bank_entry"]
    search_help_text = _("Order number, transfer reference (RF…) or bank statement entry")


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
    list_display = shown_fields(
        Refund, ["id", "order", "cause", "amount", "kind", "status", "due_on", "paid_at", "attempts", "last_error"]
    )
    list_filter = ["status", LateFilter, "cause", "currency", "kind"]
    search_fields = ["order__id", "idempotency_key", "gateway_reference"]
    list_select_related = ["order__subsidiary"]
    # Nothing is edited here, the IBAN least of all: it changes through a request that a second person approves.
    fields = readonly_fields = shown_fields(Refund)
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

    list_display = shown_fields(
        RefundDestinationChange, ["id", "refund", "iban_shown", "status", "requested_by", "requested_at", "approved_by"]
    )
    list_filter = ["status"]
    search_fields = ["refund__id", "refund__order__id"]
    fields = readonly_fields = shown_fields(
        RefundDestinationChange,
        [
            "refund",
            "iban_shown",
            "customer_request",
            "status",
            "requested_by",
            "requested_at",
            "approved_by",
            "approved_at",
        ],
    )
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
    list_display = shown_fields(
        CreditNote, ["number", "kind", "invoice", "refund", "subsidiary", "amount", "vat_amount", "issued_at"]
    )
    list_filter = ["kind", "subsidiary", "currency"]
    search_fields = ["number", "refund__order__id", "invoice__number"]
    list_select_related = ["invoice", "refund", "subsidiary"]
    fields = readonly_fields = shown_fields(CreditNote)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    """Invoices are issued by the worker and never changed: read-only here, no add, no delete."""

    list_display = shown_fields(Invoice, ["number", "order", "subsidiary", "total_gross", "issued_at"])
    list_filter = ["subsidiary", "currency"]
    search_fields = ["number", "order__id", "order__account__username"]
    list_select_related = ["order", "subsidiary"]
    fields = readonly_fields = shown_fields(Invoice)
