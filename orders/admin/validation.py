"""The manual validation queue in Django admin: cases by due date, overdue marked, "take next", decisions.

Every decision is one call to orders.services.validation (the move, the case's assignment, the email,
the delivery or the refund, in one transaction), so it is checked, recorded in the order's history with
the staff member and the `staff` channel, and safe when two validators act on one case at once: the
lifecycle's conditional UPDATE lets one win and the other is told what happened.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core.errors import OrderError
from core.localtime import local_today
from core.money import format_money

from ..lifecycle import TransitionError
from ..models import OPEN_CASE_STATUSES, Order, OrderLine, OrderStatus, SupportingDocument, ValidationCase
from ..services import validation
from ..services import validation_queue as queue
from ..templatetags.panel import ldate
from .case_file import case_file
from .common import EventInline, LineInline, PaymentInline, ReadOnlyAdmin, ReadOnlyInline
from .display import shown_fields

VIEW_PERMISSION = "orders.view_order"


DECIDE_PERMISSION = "orders.change_order"


class RefusalForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Reason for the refusal (kept in the order's history, not sent to the customer)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


class CaseFilter(admin.SimpleListFilter):
    """Waiting cases by default; the decided ones stay reachable for their history."""

    title = gettext_lazy("cases")
    parameter_name = "cases"
    DEFAULT = "open"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Waiting (to check or awaiting documents)")),
            ("mine", _("Assigned to me")),
            ("unassigned", _("Not assigned")),
            ("overdue", _("Overdue")),
            ("decided", _("Decided")),
            ("all", _("All")),
        ]

    def choices(self, changelist):
        current = self.value() or self.DEFAULT
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or self.DEFAULT
        if value == "all":
            return queryset
        if value == "decided":
            return queryset.exclude(status__in=OPEN_CASE_STATUSES)
        queryset = queryset.filter(status__in=OPEN_CASE_STATUSES)
        if value == "mine":
            return queryset.filter(assigned_to=request.user)
        if value == "unassigned":
            return queryset.filter(assigned_to__isnull=True)
        if value == "overdue":
            return queryset.filter(queue.overdue_q(timezone.now()))
        return queryset


class SupportingDocumentInline(ReadOnlyInline):
    model = SupportingDocument
    fields = shown_fields(
        SupportingDocument, ["download", "content_type", "size", "uploaded_at", "uploaded_by", "deleted_at"]
    )
    verbose_name_plural = gettext_lazy("supporting documents")

    def has_view_permission(self, request, obj=None):  # the permission the panel asks to stream the file
        return request.user.has_perm("orders.view_supportingdocument")

    @admin.display(description=gettext_lazy("document"))
    def download(self, document):
        if document.deleted_at:
            return format_html("{} ({})", document.original_name, _("deleted"))
        url = reverse("orders:document_file", args=[document.order_id, document.pk])
        return format_html('<a href="{}">{}</a>', url, document.original_name)


class CaseLineInline(LineInline):
    """What a validator weighs of each line: what, how many, for how long, for how much."""

    fields = shown_fields(
        OrderLine, ["description", "quantity", "net_total", "vat_amount", "gross_amount", "period_start", "period_end"]
    )


@admin.register(ValidationCase)
class ValidationCaseAdmin(ReadOnlyAdmin):
    list_display = shown_fields(
        ValidationCase,
        [
            "case",
            "validation_due_on",
            "overdue",
            "status",
            "assigned_to",
            "account",
            "subsidiary",
            "total_gross",
            "paid_at",
        ],
    )
    list_display_links = ["case"]
    list_filter = [CaseFilter, "status", "subsidiary"]
    list_select_related = ["account", "subsidiary", "assigned_to"]
    search_fields = ["id", "account__username", "account__handle", "account__email"]
    ordering = ["validation_due_on", "id"]
    show_facets = admin.ShowFacets.NEVER
    # The case file above the form (templates/admin/orders/validationcase/change_form.html) shows the rest.
    fields = readonly_fields = ["account", "subsidiary", "cancel_reason", "version"]
    inlines = [CaseLineInline, PaymentInline, SupportingDocumentInline, EventInline]
    change_list_template = "admin/orders/validationcase/change_list.html"
    change_form_template = "admin/orders/validationcase/change_form.html"

    # --- permissions: validators read orders and change them; nobody edits a case's fields here ------

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(VIEW_PERMISSION)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(validation_due_on__isnull=False)

    # --- columns -----------------------------------------------------------------------------------

    @admin.display(description=gettext_lazy("case"), ordering="id")
    def case(self, order):
        return _("Order %(number)s") % {"number": order.number}

    @admin.display(description=gettext_lazy("overdue"))
    def overdue(self, order):
        """Marked only when it is: the local date of the order's subsidiary is past the due date."""
        return format_html('<strong class="errornote">{}</strong>', _("Overdue")) if queue.is_overdue(order) else ""

    # --- pages ---------------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("take-next/", view(self.take_next_view), name="orders_validationcase_take_next"),
            path("<int:object_id>/assign/", view(self.assign_view), name="orders_validationcase_assign"),
            path("<int:object_id>/validate/", view(self.validate_view), name="orders_validationcase_validate"),
            path(
                "<int:object_id>/request-documents/",
                view(self.request_documents_view),
                name="orders_validationcase_request_documents",
            ),
            path("<int:object_id>/refuse/", view(self.refuse_view), name="orders_validationcase_refuse"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        extra = {}
        if order is not None:
            extra = {
                "can_decide": request.user.has_perm(DECIDE_PERMISSION),
                "case_open": order.status in OPEN_CASE_STATUSES,
                "case_checking": order.status == OrderStatus.CHECKING,
                "assigned_to_me": order.assigned_to_id == request.user.pk,
                "refusal_form": RefusalForm(),
                "case": case_file(order),
                "can_read_documents": request.user.has_perm("orders.view_supportingdocument"),
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def _change_url(self, object_id) -> str:
        return reverse("admin:orders_validationcase_change", args=[object_id])

    def _decide(self, request, object_id, decision):
        """POST only, validators only; the lifecycle says whether the decision still applies."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(DECIDE_PERMISSION):
            raise PermissionDenied
        order = get_object_or_404(self.get_queryset(request).select_related("subsidiary"), pk=object_id)
        try:
            message = decision(order)
        except TransitionError as error:
            current = Order.objects.get(pk=order.pk)
            self.message_user(
                request,
                _(
                    "Order %(number)s was not changed: %(error)s Another staff member may have decided it first; "
                    "it is now “%(status)s”."
                )
                % {"number": order.number, "error": error, "status": current.get_status_display()},
                messages.ERROR,
            )
        except OrderError as error:
            self.message_user(request, f"{order.number}: {error}", messages.ERROR)
        else:
            if message:
                self.message_user(request, message, messages.SUCCESS)
        return redirect(self._change_url(order.pk))

    def validate_view(self, request, object_id):
        def decide(order):
            validation.order_validate(order_id=order.pk, staff=request.user)
            return _("Order %(number)s validated: delivery has started.") % {"number": order.number}

        return self._decide(request, object_id, decide)

    def request_documents_view(self, request, object_id):
        def decide(order):
            today = local_today(order.subsidiary.time_zone)
            updated = validation.order_request_documents(order_id=order.pk, staff=request.user, today=today)
            return _("Documents requested from the customer for order %(number)s (due %(due)s); they were emailed.") % {
                "number": order.number,
                "due": ldate(updated.documents_due_on),
            }

        return self._decide(request, object_id, decide)

    def refuse_view(self, request, object_id):
        form = RefusalForm(request.POST or None)

        def decide(order):
            if not form.is_valid():
                self.message_user(
                    request, _("Give the reason for the refusal; it is kept in the order's history."), messages.ERROR
                )
                return ""
            refused = validation.order_refuse_and_refund(
                order_id=order.pk, staff=request.user, note=form.cleaned_data["note"]
            )
            amount = format_money(refused.total_gross, refused.currency, get_language() or "en")
            return _("Order %(number)s refused; a full refund of %(amount)s is under way.") % {
                "number": order.number,
                "amount": amount,
            }

        return self._decide(request, object_id, decide)

    def assign_view(self, request, object_id):
        def decide(order):
            if queue.case_assign(order_id=order.pk, staff=request.user):
                return _("Order %(number)s is assigned to you.") % {"number": order.number}
            self.message_user(
                request,
                _("Order %(number)s is already assigned to someone else, or no longer waits.")
                % {"number": order.number},
                messages.WARNING,
            )
            return ""

        return self._decide(request, object_id, decide)

    def take_next_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(DECIDE_PERMISSION):
            raise PermissionDenied
        case = queue.case_take_next(staff=request.user)
        if case is None:
            self.message_user(request, _("No case is waiting for a validator."), messages.INFO)
            return redirect("admin:orders_validationcase_changelist")
        self.message_user(
            request,
            _("Order %(number)s is assigned to you (due %(due)s).")
            % {"number": case.number, "due": ldate(case.validation_due_on)},
        )
        return redirect(self._change_url(case.pk))
