"""The email outbox moves to the core app (core.0001): its table stays, without the foreign key to orders,
so that the outbox sits below every app (accounts sends through it too)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0009_order_list_changes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name="outboxemail",
                    name="order",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="emails",
                        to="orders.order",
                    ),
                ),
            ],
            state_operations=[migrations.DeleteModel(name="OutboxEmail")],
        ),
    ]
