"""The sandbox ledger's models, moved from orders: their tables stay (db_table, in the sandbox database),
only the state moves here."""

from django.db import migrations, models

MODELS = ["sandboxinstrument", "sandboxtransaction"]


def content_types_to_payments(apps, schema_editor):
    """The models' content types (and so their permissions and admin history) follow them to this app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="orders", model__in=MODELS).update(app_label="payments")


def content_types_to_orders(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="payments", model__in=MODELS).update(app_label="orders")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("orders", "0009_order_list_changes"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SandboxInstrument',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token', models.CharField(max_length=100, unique=True)),
                        ('kind', models.CharField(max_length=20)),
                        ('declines', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'orders_sandboxinstrument',
                    },
                ),
                migrations.CreateModel(
                    name='SandboxTransaction',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('idempotency_key', models.CharField(max_length=64, unique=True)),
                        ('operation', models.CharField(choices=[('charge', 'Charge'), ('refund', 'Refund')], max_length=10)),
                        ('token', models.CharField(max_length=100)),
                        ('kind', models.CharField(max_length=20)),
                        ('amount', models.DecimalField(decimal_places=3, max_digits=14)),
                        ('currency', models.CharField(max_length=3)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('succeeded', 'Succeeded'), ('declined', 'Declined'), ('cancelled', 'Cancelled')], max_length=10)),
                        ('reference', models.CharField(max_length=64, unique=True)),
                        ('created_at', models.DateTimeField()),
                        ('settles_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'orders_sandboxtransaction',
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_payments, content_types_to_orders),
    ]
