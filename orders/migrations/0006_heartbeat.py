from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_service_suspended_deleted_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                (
                    "at",
                    models.DateTimeField(help_text="When a worker last ran the heartbeat task that beat scheduled."),
                ),
                ("hostname", models.CharField(blank=True, help_text="The worker that ran it.", max_length=200)),
            ],
        ),
    ]
