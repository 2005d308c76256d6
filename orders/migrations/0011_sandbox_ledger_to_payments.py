"""The sandbox ledger's models now belong to the payments app (payments/0001): removed from this app's
state only, their tables and rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0010_outbox_to_core"),
        ("payments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SandboxInstrument"),
                migrations.DeleteModel(name="SandboxTransaction"),
            ],
        ),
    ]
