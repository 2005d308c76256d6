"""Indexes of "View my orders", checked with EXPLAIN on the scale data (tests/test_query_plans.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0006_heartbeat"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="order", name="orders_orde_account_42e47f_idx"),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                fields=["account", "-created_at", "-id", "status", "cancel_reason", "expires_at"],
                name="order_account_list_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["account", "total_gross", "id"], name="order_account_amount_idx"),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["account", "id"], name="order_account_number_idx"),
        ),
    ]
