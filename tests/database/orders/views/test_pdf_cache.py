"""Rendered PDFs kept on the private storage: served again without a render while what they show is unchanged,
rendered again as soon as anything shown changes, never to anyone else, cleaned up by the beat job.

Renders are counted at WeasyPrint's own `HTML.write_pdf`, wrapped so that it still renders.
"""

import io
import os
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
import weasyprint
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import PaymentMethod
from core.page_versions import account_pages_changed
from orders.models import Order, OrderStatus
from orders.pdf_cache import PdfCacheStorage, cache_name, document_pdf
from orders.tasks import delete_old_pdfs
from payments.kinds import PaymentKind
from tests.support.factories import PlanFactory, PricingFactory, UserFactory, pay_order, place_order

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def renders(monkeypatch):
    """How many PDFs WeasyPrint wrote."""
    calls = []
    write_pdf = weasyprint.HTML.write_pdf

    def counting(self, *args, **kwargs):
        calls.append(1)
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counting)
    return calls


@pytest.fixture
def order(db):
    account = UserFactory(first_name="Alice", last_name="Martin")
    PaymentMethod.objects.create(
        account=account,
        kind=PaymentKind.CARD,
        label="Visa •••• 4242",
        token="t1",
        is_default=True,
        expires_on=timezone.localdate() + timedelta(days=400),
    )
    pricings = [PricingFactory(plan=PlanFactory(name_en="Web Hosting Pro"), price=Decimal("9.99"))]
    return place_order(account=account, pricings=pricings)


def download(client, order):
    response = client.get(reverse("orders:purchase_order_pdf", args=[order.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def kept_file(media_root, order, language="en"):
    return media_root / cache_name(kind="purchase-order", object_id=order.pk, language=language)


def test_a_second_download_is_the_same_pdf_without_a_render(client, order, renders, media_root):
    client.force_login(order.account)
    first = download(client, order)
    assert len(renders) == 1 and kept_file(media_root, order).is_file()
    second = download(client, order)
    assert second == first and len(renders) == 1
    assert f"Purchase order no. {order.number}" in pdf_text(second)


def test_the_kept_file_is_under_the_private_media_root_one_per_document_and_language(
    client, order, renders, media_root
):
    client.force_login(order.account)
    download(client, order)
    files = [path for path in media_root.rglob("*") if path.is_file()]
    assert files == [media_root / "pdf-cache" / "purchase-order" / str(order.pk // 1000) / f"{order.pk}.en"]
    assert files[0].read_bytes().split(b"\n", 1)[1].startswith(b"%PDF")


def test_another_language_is_rendered_and_kept_beside_the_first(client, order, renders, media_root):
    account = order.account
    client.force_login(account)
    download(client, order)
    account.language = "fr"
    account.save()
    french = download(client, order)
    assert len(renders) == 2 and f"Bon de commande N°{order.number}" in pdf_text(french)
    account.language = "en"
    account.save()
    assert "Purchase order no." in pdf_text(download(client, order)) and len(renders) == 2
    assert kept_file(media_root, order, "fr").is_file() and kept_file(media_root, order, "en").is_file()


def test_a_status_change_is_rendered_again(client, order, renders):
    client.force_login(order.account)
    assert "Unpaid" in pdf_text(download(client, order))
    pay_order(order)
    order.refresh_from_db()
    assert order.status != OrderStatus.NOT_PAID
    text = pdf_text(download(client, order))
    assert len(renders) == 2 and "Unpaid" not in text and str(OrderStatus(order.status).label) in text


def test_the_expiry_passing_is_rendered_again_though_the_order_row_did_not_change(client, order, renders):
    client.force_login(order.account)
    download(client, order)
    version = order.version
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    text = pdf_text(download(client, order))
    assert len(renders) == 2 and "Order expired" in text
    assert Order.objects.get(pk=order.pk).version == version


def test_saved_payment_methods_are_rendered_again_when_they_change(client, order, renders):
    account = order.account
    client.force_login(account)
    assert "Visa •••• 5555" not in pdf_text(download(client, order))
    PaymentMethod.objects.create(
        account=account, kind=PaymentKind.CARD, label="Visa •••• 5555", token="t2", expires_on=timezone.localdate()
    )
    account_pages_changed(account_ids=[account.pk])  # as accounts.services does with the write
    assert "Visa •••• 5555" in pdf_text(download(client, order)) and len(renders) == 2


def test_the_next_local_day_is_rendered_again(client, order, renders):
    """A saved card turns expired, a withdrawal period ends, on a day: no write tells."""
    client.force_login(order.account)
    download(client, order)
    download(client, order)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        download(client, order)
    assert len(renders) == 2


def test_another_customer_gets_a_404_even_once_the_pdf_is_kept(client, order, renders):
    client.force_login(order.account)
    download(client, order)
    client.force_login(UserFactory())
    response = client.get(reverse("orders:purchase_order_pdf", args=[order.pk]))
    assert response.status_code == 404 and len(renders) == 1


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"0" * 64 + b"\n" + data.split(b"\n", 1)[1], id="another key"),
        pytest.param(lambda data: data[: len(data) // 2], id="cut short"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_kept_file_that_does_not_match_is_never_served(client, order, renders, media_root, damage):
    client.force_login(order.account)
    first = download(client, order)
    path = kept_file(media_root, order)
    path.write_bytes(damage(path.read_bytes()))
    again = download(client, order)
    assert len(renders) == 2 and pdf_text(again) == pdf_text(first)
    assert download(client, order) == again and len(renders) == 2  # the damaged file was replaced


def test_bills_and_credit_notes_are_kept_too(client, renders, django_capture_on_commit_callbacks):
    from orders.models import Payment, Refund
    from orders.services.documents import credit_note_issue
    from orders.services.refunds import refund_full_payment

    with django_capture_on_commit_callbacks(execute=True):
        order = pay_order(place_order())
    payment = order.payments.get(status=Payment.Status.SUCCEEDED)
    refund = refund_full_payment(
        order=order, cause=Refund.Cause.REFUSAL, payment=payment, requested_on=timezone.localdate()
    )
    note = credit_note_issue(refund=refund, subsidiary_id=refund.order.subsidiary_id, now=timezone.now())
    client.force_login(order.account)
    for url in (
        reverse("orders:bill_pdf", args=[order.pk]),
        reverse("orders:credit_note_pdf", args=[order.pk, note.pk]),
    ):
        before = len(renders)
        first = client.get(url)
        assert first.status_code == 200 and len(renders) == before + 1
        assert client.get(url).content == first.content and len(renders) == before + 1


def test_concurrent_renders_of_one_document_leave_one_whole_file(media_root, renders):
    html = "<!doctype html><html lang='en'><body class='document-pdf'><p>Concurrent</p></body></html>"
    results, start = [], threading.Barrier(4)

    def download_once():
        start.wait()
        results.append(document_pdf(kind="purchase-order", object_id=7, language="en", key="k", html=lambda: html))

    threads = [threading.Thread(target=download_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and all(pdf.startswith(b"%PDF") and "Concurrent" in pdf_text(pdf) for pdf in results)
    folder = media_root / "pdf-cache" / "purchase-order" / "0"
    assert [path.name for path in folder.iterdir()] == ["7.en"]  # no temporary file left
    rendered = len(renders)
    assert document_pdf(kind="purchase-order", object_id=7, language="en", key="k", html=lambda: html) in results
    assert len(renders) == rendered


def test_the_beat_job_deletes_files_kept_more_than_30_days(settings, media_root):
    storage = PdfCacheStorage()
    old, fresh = (cache_name(kind="invoice", object_id=pk, language="en") for pk in (1, 2002))
    leftover = "pdf-cache/invoice/0/.crashed.part"
    for name in (old, fresh, leftover):
        storage.save(name, ContentFile(b"%PDF-1.7 kept"))
    month_ago = time.time() - 31 * 24 * 3600
    for name in (old, leftover):
        os.utime(storage.path(name), (month_ago, month_ago))
    assert delete_old_pdfs() == 2
    assert not storage.exists(old) and not storage.exists(leftover) and storage.exists(fresh)
    assert settings.CELERY_BEAT_SCHEDULE["delete-old-pdfs"]["task"] == "orders.tasks.delete_old_pdfs"


def test_the_beat_job_has_nothing_to_do_before_any_pdf_was_kept(media_root):
    assert delete_old_pdfs() == 0
