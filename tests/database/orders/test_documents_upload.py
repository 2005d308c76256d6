"""Supporting documents: the upload page's checks, private storage, permission-checked serving, cleanup."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from orders import history, lifecycle
from orders.models import OrderEvent, OrderStatus, SupportingDocument
from orders.services import supporting_documents as service
from orders.services.supporting_documents import MAX_SIZE, documents_to_purge, supporting_documents_purge
from orders.services.validation import order_request_documents, order_validate
from orders.tasks import delete_old_supporting_documents
from tests.support.factories import UserFactory, pay_order, place_order

pytestmark = pytest.mark.django_db

S = OrderStatus
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
EXE = b"MZ\x90\x00" + b"\x00" * 40


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def requested(staff):
    """An order in validation for which staff asked for documents."""
    order = pay_order(place_order())
    return order_request_documents(order_id=order.pk, staff=staff, today=timezone.localdate())


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def post_files(client, order, files):
    return client.post(reverse("orders:documents", args=[order.pk]), {"files": files})


def stored_files(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def form_errors(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- the upload page -------------------------------------------------------------------------------------


def test_the_owner_uploads_documents_and_the_case_returns_to_the_queue(client, requested, private_root):
    client.force_login(requested.account)
    page = client.get(reverse("orders:documents", args=[requested.pk]))
    assert page.status_code == 200 and 'type="file"' in page.content.decode() and "multiple" in page.content.decode()

    response = post_files(
        client,
        requested,
        [upload("id-card.pdf", PDF, "application/pdf"), upload("proof.PNG", PNG), upload("passport.jpeg", JPEG)],
    )
    assert response.status_code == 302 and response["Location"] == reverse("orders:tracking", args=[requested.pk])
    requested.refresh_from_db()
    assert requested.status == S.CHECKING and requested.documents_due_on is None
    documents = list(SupportingDocument.objects.filter(order=requested))
    assert [(d.original_name, d.content_type) for d in documents] == [
        ("id-card.pdf", "application/pdf"),
        ("proof.PNG", "image/png"),
        ("passport.jpeg", "image/jpeg"),
    ]
    assert all(d.uploaded_by == requested.account and d.size > 0 for d in documents)
    files = stored_files(private_root)
    assert len(files) == 3 and all("id-card" not in f.name for f in files)  # never the customer's file name
    assert not str(private_root).startswith(str(settings.STATIC_ROOT))
    event = OrderEvent.objects.get(order=requested, label=history.DOCUMENTS_UPLOADED)
    assert (event.actor, event.channel) == (requested.account, OrderEvent.Channel.PANEL)
    with pytest.raises(ValueError):
        documents[0].file.url  # private: no URL exists  # noqa: B018


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("renamed.pdf", EXE)], "is not a PDF, PNG or JPEG file"),
        ([("image.pdf", PNG)], "is not a PDF, PNG or JPEG file"),  # content and name disagree
        ([("document.txt", PDF)], "is not a PDF, PNG or JPEG file"),
        ([("empty.pdf", b"")], "is empty"),
        ([("good.pdf", PDF), ("bad.png", EXE)], "bad.png is not a PDF"),  # one bad file: nothing stored
        ([(f"page{i}.pdf", PDF) for i in range(6)], "at most 5 files"),
        ([], "Choose at least one file"),
    ],
)
def test_wrong_uploads_are_refused_clearly_and_nothing_is_stored(client, requested, private_root, files, message):
    client.force_login(requested.account)
    response = post_files(client, requested, [upload(name, content) for name, content in files])
    assert response.status_code == 400
    assert message in form_errors(response)
    assert not SupportingDocument.objects.exists() and stored_files(private_root) == []
    requested.refresh_from_db()
    assert requested.status == S.DOCUMENTS_REQUESTED


def test_a_file_over_10_mb_is_refused(client, requested, private_root):
    client.force_login(requested.account)
    too_big = upload("scan.pdf", PDF + b"0" * (MAX_SIZE + 1 - len(PDF)))
    response = post_files(client, requested, [too_big])
    assert response.status_code == 400 and "is too large" in form_errors(response)
    assert not SupportingDocument.objects.exists() and stored_files(private_root) == []
    just_right = upload("scan.pdf", PDF + b"0" * (MAX_SIZE - len(PDF)))
    assert post_files(client, requested, [just_right]).status_code == 302


def test_no_upload_unless_documents_are_requested(client, private_root):
    order = pay_order(place_order())  # checking: nobody asked for documents
    client.force_login(order.account)
    page = client.get(reverse("orders:documents", args=[order.pk]))
    assert page.status_code == 200 and "No documents are requested for this order." in page.content.decode()
    response = post_files(client, order, [upload("id.pdf", PDF)])
    assert response.status_code == 409
    assert not SupportingDocument.objects.exists() and stored_files(private_root) == []


def test_the_upload_page_is_the_owners_only(client, requested):
    url = reverse("orders:documents", args=[requested.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert post_files(client, requested, [upload("id.pdf", PDF)]).status_code == 404
    assert not SupportingDocument.objects.exists()


def test_a_failure_after_writing_files_removes_them(requested, private_root, monkeypatch):
    def fail(**kwargs):
        raise lifecycle.TransitionError("changed meanwhile")

    monkeypatch.setattr(service.lifecycle, "order_documents_received", fail)
    with pytest.raises(lifecycle.TransitionError):
        service.supporting_documents_upload(
            order_id=requested.pk, account=requested.account, files=[upload("a.pdf", PDF), upload("b.png", PNG)]
        )
    assert not SupportingDocument.objects.exists() and stored_files(private_root) == []


# --- serving the files ------------------------------------------------------------------------------------


@pytest.fixture
def document(client, requested):
    client.force_login(requested.account)
    post_files(client, requested, [upload("id-card.pdf", PDF)])
    client.logout()
    return SupportingDocument.objects.get()


def file_url(document) -> str:
    return reverse("orders:document_file", args=[document.order_id, document.pk])


def test_the_owner_downloads_their_document(client, document):
    client.force_login(document.order.account)
    response = client.get(file_url(document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="id-card.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"


def test_nobody_else_reads_a_document(client, document):
    url = file_url(document)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(is_staff=True))  # staff without the permission
    assert client.get(url).status_code == 404
    other = pay_order(place_order())
    client.force_login(other.account)  # under their own order number: still not theirs
    assert client.get(reverse("orders:document_file", args=[other.pk, document.pk])).status_code == 404


def test_validators_read_documents(client, document):
    from accounts.groups import ensure_staff_groups

    validator = UserFactory(is_staff=True)
    validator.groups.add(ensure_staff_groups()["validators"])
    client.force_login(validator)
    assert client.get(file_url(document)).status_code == 200
    reader = UserFactory(is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_supportingdocument"))
    client.force_login(reader)
    assert client.get(file_url(document)).status_code == 200
    finance = UserFactory(is_staff=True)
    finance.groups.add(ensure_staff_groups()["finance"])  # finance has no business with identity papers
    client.force_login(finance)
    assert client.get(file_url(document)).status_code == 404


def test_the_case_page_links_the_documents_for_staff(admin_client, document):
    html = admin_client.get(reverse("admin:orders_validationcase_change", args=[document.order_id])).content.decode()
    assert file_url(document) in html and "id-card.pdf" in html


def test_the_case_page_links_the_documents_only_for_those_the_panel_lets_read_them(client, document):
    from accounts.groups import ensure_staff_groups

    case = reverse("admin:orders_validationcase_change", args=[document.order_id])
    for group, shown in (("validators", True), ("finance", False)):
        staff = UserFactory(is_staff=True)
        staff.groups.add(ensure_staff_groups()[group])
        client.force_login(staff)
        page = client.get(case)
        assert page.status_code == 200 and (file_url(document) in page.content.decode()) is shown, group


# --- deleted 90 days after the decision --------------------------------------------------------------------


def test_documents_are_deleted_90_days_after_the_decision(client, document, staff, private_root, published):
    now = timezone.now()
    assert supporting_documents_purge(now=now + timedelta(days=365)) == 0  # still in the queue: kept
    order_validate(order_id=document.order_id, staff=staff)
    assert list(documents_to_purge(now=now + timedelta(days=89))) == []
    assert supporting_documents_purge(now=now + timedelta(days=89)) == 0
    assert len(stored_files(private_root)) == 1

    assert supporting_documents_purge(now=now + timedelta(days=91)) == 1
    assert supporting_documents_purge(now=now + timedelta(days=92)) == 0  # idempotent
    document.refresh_from_db()
    assert document.deleted_at == now + timedelta(days=91)
    assert stored_files(private_root) == []
    client.force_login(document.order.account)
    assert client.get(file_url(document)).status_code == 404


def test_the_cleanup_task_counts_the_deleted_files(document, staff, monkeypatch):
    from orders.services.validation import order_refuse_and_refund

    order_refuse_and_refund(order_id=document.order_id, staff=staff, note="refused")
    OrderEvent.objects.filter(order_id=document.order_id).update(created_at=timezone.now() - timedelta(days=100))
    assert delete_old_supporting_documents.delay().result == 1
    assert SupportingDocument.objects.get().deleted_at is not None
