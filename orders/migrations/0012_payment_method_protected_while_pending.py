"""A payment in progress protects its method from deletion (orders.models.payment.protect_if_pending); the
refusal used to be a query in accounts' service. Python-level on_delete: no change to the tables."""

from django.db import migrations, models

import orders.models.payment


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_api_credentials_to_api"),
        ("orders", "0011_sandbox_ledger_to_payments"),
    ]

    operations = [
        migrations.AlterField(
            model_name="payment",
            name="method",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=orders.models.payment.protect_if_pending,
                to="accounts.paymentmethod",
            ),
        ),
    ]
