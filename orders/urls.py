"""The customer's orders: list, purchase order (HTML and PDF), tracking, payment, withdrawal, reorder."""
from django.urls import path

from .views import documents, documents_upload, invoices, lists, payment, tracking, withdrawal

app_name = "orders"
urlpatterns = [
    path("", lists.order_list, name="list"),
    path("withdraw/", withdrawal.withdraw_start, name="withdraw_start"),
    path("withdraw/<str:token>/", withdrawal.withdraw_by_link, name="withdraw_link"),
    path("<int:order_id>/", documents.purchase_order, name="purchase_order"),
    path("<int:order_id>/pdf/", documents.purchase_order_pdf, name="purchase_order_pdf"),
    path("<int:order_id>/tracking/", tracking.order_tracking, name="tracking"),
    path("<int:order_id>/pay/", payment.order_pay_view, name="pay"),
    path("<int:order_id>/reorder/", payment.order_reorder, name="reorder"),
    path("<int:order_id>/withdraw/", withdrawal.order_withdraw, name="withdraw"),
    path("<int:order_id>/bill/", invoices.invoice_view, name="bill"),
    path("<int:order_id>/bill/pdf/", invoices.invoice_pdf, name="bill_pdf"),
    path("<int:order_id>/credit-notes/<int:note_id>/", invoices.credit_note_view, name="credit_note"),
    path("<int:order_id>/credit-notes/<int:note_id>/pdf/", invoices.credit_note_pdf, name="credit_note_pdf"),
    path("<int:order_id>/documents/", documents_upload.order_documents, name="documents"),
    path("<int:order_id>/documents/<int:doc_id>/", documents_upload.document_file, name="document_file"),
]
