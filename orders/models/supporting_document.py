"""Supporting documents customers upload when staff ask for them (identity papers, proof of address).

The files live in private storage: a directory under settings.MEDIA_ROOT that no URL serves. They
are read only through a view that checks who asks, and deleted 90 days after the validation
decision (the row stays, with `deleted_at`, as a trace of what was received).
"""

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class PrivateStorage(FileSystemStorage):
    """Files under settings.MEDIA_ROOT, without any URL: they are served by permission-checked views only."""

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a permission-checked view.")


def private_storage() -> PrivateStorage:
    # No location given: FileSystemStorage follows settings.MEDIA_ROOT (and test overrides of it).
    return PrivateStorage()


def document_path(instance: "SupportingDocument", filename: str) -> str:
    """A random name per file (never the customer's): the original name is kept in the row only."""
    extension = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(instance.content_type, "")
    return f"supporting-documents/{instance.order_id}/{uuid.uuid4().hex}{extension}"


class SupportingDocument(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="supporting_documents")
    file = models.FileField(storage=private_storage, upload_to=document_path, max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField()
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, help_text=_("Detected from the file's content."))
    size = models.PositiveIntegerField(help_text=_("In bytes."))
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the file was deleted (90 days after the validation decision).")
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["deleted_at", "order"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.original_name}"
