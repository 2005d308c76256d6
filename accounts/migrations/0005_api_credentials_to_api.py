"""The API credential models now belong to the api app (api/0001): removed from this app's state only,
their tables and rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_closed_at"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ConsumerKey"),
                migrations.DeleteModel(name="ApiApplication"),
            ],
        ),
    ]
