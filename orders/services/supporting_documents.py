"""Supporting documents: checked, stored privately, and deleted 90 days after the validation decision.

A file is accepted for what it is, not for what it is called: its first bytes must be those of a
PDF, a PNG or a JPEG, and its extension must agree. Either every file of an upload is stored and
the case returns to the queue, or nothing is (files written before a failure are removed again).
"""

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput

from .. import lifecycle
from ..models import OPEN_CASE_STATUSES, Order, OrderEvent, OrderStatus, SupportingDocument
from ..page_versions import order_pages_changed

MAX_FILES = 5
MAX_SIZE = 10 * 1024 * 1024  # 10 MB per file
RETENTION_DAYS = getattr(settings, "IDENTITY_DOCUMENTS_RETENTION_DAYS", 90)

# Content type → (the file's first bytes, the extensions that may carry it).
SIGNATURES: dict[str, tuple[bytes, set[str]]] = {
    "application/pdf": (b"%PDF-", {".pdf"}),
    "image/png": (b"\x89PNG\r\n\x1a\n", {".png"}),
    "image/jpeg": (b"\xff\xd8\xff", {".jpg", ".jpeg"}),
}
ACCEPTED_EXTENSIONS = sorted({ext for _sig, exts in SIGNATURES.values() for ext in exts})


@dataclass(frozen=True)
class CheckedFile:
    upload: UploadedFile
    name: str
    content_type: str
    size: int


def sniff_content_type(head: bytes) -> str | None:
    """The content type the file's first bytes show, if it is one we accept."""
    for content_type, (signature, _extensions) in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


def _clean_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or "document"


def check_file(upload: UploadedFile) -> tuple[CheckedFile | None, str]:
    """(the checked file, "") or (None, why it is refused), without storing anything."""
    name = _clean_name(upload.name)
    if upload.size > MAX_SIZE:
        return None, _("%(name)s is too large (%(size)s); the limit is %(limit)s per file.") % {
            "name": name,
            "size": filesizeformat(upload.size),
            "limit": filesizeformat(MAX_SIZE),
        }
    if upload.size == 0:
        return None, _("%(name)s is empty.") % {"name": name}
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    extension = os.path.splitext(name)[1].lower()
    if content_type is None or extension not in SIGNATURES[content_type][1]:
        return None, _("%(name)s is not a PDF, PNG or JPEG file (its content and its name must both say so).") % {
            "name": name
        }
    return CheckedFile(upload=upload, name=name, content_type=content_type, size=upload.size), ""


def check_uploads(files: list[UploadedFile]) -> tuple[list[CheckedFile], list[str]]:
    """Every file checked; the list of problems is empty when the whole upload may be stored."""
    if not files:
        return [], [_("Choose at least one file.")]
    if len(files) > MAX_FILES:
        return [], [_("Send at most %(max)d files at once.") % {"max": MAX_FILES}]
    checked, problems = [], []
    for upload in files:
        item, problem = check_file(upload)
        if item is None:
            problems.append(problem)
        else:
            checked.append(item)
    return checked, problems


def supporting_documents_upload(
    *, order_id: int, account, files: list[UploadedFile], now: datetime | None = None
) -> list[SupportingDocument]:
    """Store the customer's documents and send the case back to the validation queue."""
    now = now or timezone.now()
    checked, problems = check_uploads(files)
    if problems:
        raise InvalidInput(" ".join(problems), field="files")
    written: list[tuple] = []
    try:
        with transaction.atomic():
            order = Order.objects.locked().filter(pk=order_id, account=account).first()
            if order is None:
                raise InvalidInput(_("This order does not exist."), field="orderId")
            if order.status != OrderStatus.DOCUMENTS_REQUESTED:
                raise Conflict(_("No documents are requested for this order."))
            documents = []
            for item in checked:
                document = SupportingDocument(
                    order=order,
                    uploaded_by=account,
                    uploaded_at=now,
                    original_name=item.name,
                    content_type=item.content_type,
                    size=item.size,
                )
                document.file.save(item.name, item.upload, save=False)
                written.append((document.file.storage, document.file.name))
                document.save()
                documents.append(document)
            lifecycle.order_documents_received(order_id=order.pk, actor=account)
            order_pages_changed(order_ids=[order.pk])
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
    return documents


def documents_to_purge(*, now: datetime):
    """Files of cases decided (validated, refused, withdrawn) more than RETENTION_DAYS ago."""
    decided = (
        OrderEvent.objects.filter(
            order=OuterRef("order"),
            from_status__in=OPEN_CASE_STATUSES,
            created_at__lte=now - timedelta(days=RETENTION_DAYS),
        )
        .exclude(to_status__in=OPEN_CASE_STATUSES)
        .exclude(to_status="")
    )
    return (
        SupportingDocument.objects.filter(deleted_at__isnull=True)
        .exclude(order__status__in=OPEN_CASE_STATUSES)
        .filter(Exists(decided))
    )


def supporting_documents_purge(*, now: datetime | None = None) -> int:
    """The beat job: delete each file, then mark its row; a crash in between is finished next run."""
    now = now or timezone.now()
    purged = 0
    for document in documents_to_purge(now=now).order_by("pk").iterator():
        if document.file.name:
            document.file.storage.delete(document.file.name)
        with transaction.atomic():
            if SupportingDocument.objects.filter(pk=document.pk, deleted_at__isnull=True).update(deleted_at=now):
                order_pages_changed(order_ids=[document.order_id])
                purged += 1
    return purged
