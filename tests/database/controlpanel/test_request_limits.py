"""Request and upload limits: an oversize request is refused clearly before anything reads it."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders.models import OrderStatus, SupportingDocument
from orders.services.validation import order_request_documents
from tests.support.factories import UserFactory, pay_order, place_order

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def requested(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    order = pay_order(place_order())
    staff = UserFactory(is_staff=True)
    return order_request_documents(order_id=order.pk, staff=staff, today=timezone.localdate())


def test_upload_settings_are_set():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 10
    # The largest legitimate request, five documents of 10 MB, fits under the global limit.
    from orders.views.documents_upload import MAX_REQUEST

    assert MAX_REQUEST < settings.REQUEST_MAX_BODY_SIZE


def test_an_oversize_upload_gets_a_clear_error_and_changes_nothing(requested, settings):
    settings.REQUEST_MAX_BODY_SIZE = 1024 * 1024
    client = Client(enforce_csrf_checks=True)  # the limit applies before the CSRF check reads the body
    client.force_login(requested.account)
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (1024 * 1024), content_type="application/pdf")
    response = client.post(reverse("orders:documents", args=[requested.pk]), {"files": [big]})
    assert response.status_code == 413
    page = response.content.decode()
    assert "What you sent is too large" in page and "Requests are limited to 1.0\xa0MB; nothing was saved." in page
    assert not SupportingDocument.objects.exists() and not (settings.MEDIA_ROOT).exists()
    requested.refresh_from_db()
    assert requested.status == OrderStatus.DOCUMENTS_REQUESTED


def test_a_request_under_the_limit_goes_through(requested, settings):
    settings.REQUEST_MAX_BODY_SIZE = 1024 * 1024
    client = Client()
    client.force_login(requested.account)
    small = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("orders:documents", args=[requested.pk]), {"files": [small]})
    assert response.status_code == 302 and SupportingDocument.objects.count() == 1
