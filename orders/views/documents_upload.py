"""Supporting documents: the customer's upload page, and the only way any such file is ever read.

The files are in private storage (no URL serves them); `document_file` streams one to its owner, or
to staff who work the validation queue (the admin's view permission for supporting documents, and the
second factor: orders.views.access). Anyone else gets a 404, as if the order did not exist.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.errors import Conflict, OrderError

from ..models import OrderStatus, SupportingDocument
from ..selectors import account_order
from ..services.supporting_documents import (
    ACCEPTED_EXTENSIONS,
    MAX_FILES,
    MAX_SIZE,
    check_uploads,
    supporting_documents_upload,
)
from .access import readable_order

TEMPLATE = "orders/documents.html"
# A request larger than every allowed file together is refused before Django reads it.
MAX_REQUEST = MAX_FILES * MAX_SIZE + 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe); each is checked by the service's rules."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class SupportingDocumentsForm(forms.Form):
    files = MultipleFileField(
        label=gettext_lazy("Documents"),
        required=False,
        help_text=gettext_lazy("PDF, PNG or JPEG; up to 5 files of 10 MB each."),
    )

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        _checked, problems = check_uploads(files)
        if problems:
            raise forms.ValidationError(problems)
        return files


@login_required
@require_http_methods(["GET", "POST"])
def order_documents(request, order_id: int):
    """Upload page: the owner only, and only while the order awaits documents."""
    order = account_order(account=request.user, order_id=order_id, now=timezone.now())
    requested = order.status == OrderStatus.DOCUMENTS_REQUESTED
    form = SupportingDocumentsForm()
    status, error = 200, ""
    if request.method == "POST":
        if not requested:
            status, error = 409, _("No documents are requested for this order.")
        elif int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST:
            status, error = 400, _("These files are too large together: up to 5 files of 10 MB each.")
        else:
            form = SupportingDocumentsForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    supporting_documents_upload(
                        order_id=order.pk, account=request.user, files=form.cleaned_data["files"]
                    )
                except OrderError as error:
                    form.add_error(None, str(error))
                    status = 409 if isinstance(error, Conflict) else 400
                else:
                    messages.success(
                        request, _("Thank you: we received your documents. We will check them and get back to you.")
                    )
                    return redirect("orders:tracking", order.pk)
            else:
                status = 400
    context = {
        "order": order,
        "form": form,
        "error": error,
        "requested": requested,
        "tz": order.subsidiary.time_zone,
        "documents": order.supporting_documents.filter(deleted_at__isnull=True),
        "max_files": MAX_FILES,
    }
    return render(request, TEMPLATE, context, status=status)


@login_required
def document_file(request, order_id: int, doc_id: int):
    """One document's file, to its owner or to staff of the validation queue; 404 for anyone else."""
    order = readable_order(request, order_id, permission="orders.view_supportingdocument")
    document = get_object_or_404(SupportingDocument, pk=doc_id, order=order, deleted_at__isnull=True)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=document.original_name)
    response["Content-Type"] = document.content_type
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
