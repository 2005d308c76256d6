"""The email outbox, moved here from the orders app (orders.0010): the table is the one orders created."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("orders", "0010_outbox_to_core")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboxEmail",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(help_text="What it reports, e.g. 'withdrawal-ack:42'.", max_length=120, unique=True)),
                        ("order_id", models.BigIntegerField(blank=True, db_index=True, help_text="The order it reports, if any.", null=True)),
                        ("template", models.CharField(max_length=80)),
                        ("to", models.EmailField(max_length=254)),
                        ("language", models.CharField(max_length=8)),
                        ("context", models.JSONField(default=dict)),
                        ("status", models.CharField(choices=[("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed")], default="pending", max_length=10)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("claimed_at", models.DateTimeField(blank=True, help_text="When a worker took it to send.", null=True)),
                        ("last_error", models.CharField(blank=True, max_length=200)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "orders_outboxemail",
                        "ordering": ["created_at", "id"],
                        "indexes": [models.Index(fields=["status", "created_at"], name="orders_outb_status_7e55d7_idx")],
                    },
                ),
            ],
        ),
    ]
