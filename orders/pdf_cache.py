"""Rendered PDFs kept on the private storage that every web machine shares, under a key of what they show.

A document's PDF depends on the order's page versions, the day and the language (orders.views.page_cache's
`order_document_key`) and on the renderer (`orders.pdf.render_fingerprint`: WeasyPrint's version, the print
stylesheet). A kept PDF whose key matches is served without rendering its HTML or the PDF; anything else is
rendered again (the HTML costs milliseconds, the PDF a hundred or more).

One file per document and language, `pdf-cache/<kind>/<id // 1000>/<id>.<language>`, starting with its key. It
is served only when that key matches, so a stale file (or one left by a database restored from a backup, where
ids come back) is rendered again, never served. A new render replaces it atomically (a temporary file renamed
over it), so readers see the old file or the new one, never half of one; two concurrent renders both write a
whole file and the last rename wins. Keeping one file per document rather than one per key means no old
version to clean up; `pdf_cache_purge` (daily, from beat) deletes the files written more than MAX_AGE ago,
so documents nobody downloads again do not pile up (one that is downloaded again is rendered again).
"""

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from django.core.files.base import ContentFile

from .models.supporting_document import PrivateStorage
from .pdf import render_fingerprint, render_pdf

ROOT = "pdf-cache"
MAX_AGE = timedelta(days=30)
logger = logging.getLogger(__name__)


class PdfCacheStorage(PrivateStorage):
    """The private storage (settings.MEDIA_ROOT), whose writes replace the file of the same name atomically."""

    def get_available_name(self, name, max_length=None):
        return name  # the name is the document's: a new render takes its place

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(descriptor, "wb") as file:
                for chunk in content.chunks():
                    file.write(chunk)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return name


def cache_name(*, kind: str, object_id: int, language: str) -> str:
    """Where a document's PDF is kept: `kind` is a fixed slug (purchase-order, invoice, credit-note)."""
    return f"{ROOT}/{kind}/{object_id // 1000}/{object_id}.{language}"


def document_pdf(*, kind: str, object_id: int, language: str, key: str, html: Callable[[], str]) -> bytes:
    """The PDF of the document `kind` #`object_id` in `language`: kept from an earlier render under the same `key`
    with the same renderer, else `html()` rendered and kept. The caller has checked who may read it."""
    name = cache_name(kind=kind, object_id=object_id, language=language)
    key = hashlib.sha256(render_fingerprint() + name.encode() + b"\0" + key.encode()).hexdigest().encode() + b"\n"
    storage = PdfCacheStorage()
    try:
        with storage.open(name, "rb") as file:
            if file.read(len(key)) == key and (pdf := file.read()).rstrip().endswith(b"%%EOF"):
                return pdf  # whole: a crash right after the rename (no fsync) may have left it short
    except FileNotFoundError:
        pass
    pdf = render_pdf(html=html())
    try:
        storage.save(name, ContentFile(key + pdf))
    except OSError:  # a full or unreachable storage costs the next download a render, not this one its PDF
        logger.warning("Could not keep the PDF %s", name, exc_info=True)
    return pdf


def pdf_cache_purge(*, now: datetime) -> int:
    """Deletes the kept PDFs (and temporary files a crash left) written more than MAX_AGE before `now`."""
    storage = PdfCacheStorage()
    if not storage.exists(ROOT):
        return 0
    deleted = 0
    for kind in storage.listdir(ROOT)[0]:
        for shard in storage.listdir(f"{ROOT}/{kind}")[0]:
            folder = f"{ROOT}/{kind}/{shard}"
            for file in storage.listdir(folder)[1]:
                name = f"{folder}/{file}"
                try:
                    if storage.get_modified_time(name) < now - MAX_AGE:
                        storage.delete(name)
                        deleted += 1
                except FileNotFoundError:  # replaced or deleted meanwhile
                    continue
    return deleted
