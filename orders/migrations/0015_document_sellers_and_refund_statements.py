"""Invoices and credit notes keep their seller as issued; a credit note names the invoice it corrects; money refunded
that was never invoiced gets a refund statement (no VAT). Documents already issued get their subsidiary's seller
and their order's invoice."""

import django.db.models.deletion
from django.db import migrations, models

SELLER_FIELDS = (
    "country", "legal_name", "address", "vat_number", "registration", "share_capital", "contact_email",
    "contact_phone",
)


def fill_issued_documents(apps, schema_editor):
    Subsidiary = apps.get_model("accounts", "Subsidiary")
    Invoice = apps.get_model("orders", "Invoice")
    CreditNote = apps.get_model("orders", "CreditNote")
    for subsidiary in Subsidiary.objects.all():
        seller = {field: getattr(subsidiary, field) for field in SELLER_FIELDS}
        Invoice.objects.filter(subsidiary=subsidiary).update(seller=seller)
        CreditNote.objects.filter(subsidiary=subsidiary).update(seller=seller)
    invoices = dict(Invoice.objects.values_list("order_id", "pk"))
    for note_id, order_id in CreditNote.objects.values_list("pk", "refund__order_id"):
        if order_id in invoices:
            CreditNote.objects.filter(pk=note_id).update(invoice_id=invoices[order_id])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_subsidiary_seller'),
        ('orders', '0014_payment_expected_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='creditnote',
            name='invoice',
            field=models.ForeignKey(blank=True, help_text='The invoice it corrects.', null=True, on_delete=django.db.models.deletion.PROTECT, to='orders.invoice'),
        ),
        migrations.AddField(
            model_name='creditnote',
            name='kind',
            field=models.CharField(choices=[('credit_note', 'Credit note'), ('refund_statement', 'Refund statement')], default='credit_note', max_length=16),
        ),
        migrations.AddField(
            model_name='creditnote',
            name='seller',
            field=models.JSONField(default=dict, help_text="The subsidiary's legal identity when it was issued."),
        ),
        migrations.AddField(
            model_name='invoice',
            name='seller',
            field=models.JSONField(default=dict, help_text="The subsidiary's legal identity when it was issued."),
        ),
        migrations.AddConstraint(
            model_name='creditnote',
            constraint=models.CheckConstraint(condition=models.Q(('kind', 'credit_note'), models.Q(('kind', 'refund_statement'), ('vat_amount', 0)), _connector='OR'), name='refund_statement_credits_no_vat'),
        ),
        migrations.RunPython(fill_issued_documents, migrations.RunPython.noop),
    ]
