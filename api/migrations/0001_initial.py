"""The API credential models, moved from accounts: their tables stay (db_table), only the state moves here."""

import api.models
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ["apiapplication", "consumerkey"]


def content_types_to_api(apps, schema_editor):
    """The models' content types (and so their permissions and admin history) follow them to this app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="accounts", model__in=MODELS).update(app_label="api")


def content_types_to_accounts(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="api", model__in=MODELS).update(app_label="accounts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("accounts", "0004_user_closed_at"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ApiApplication',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('description', models.CharField(blank=True, max_length=500, verbose_name='description')),
                        ('application_key', models.CharField(default=api.models.new_application_key, editable=False, max_length=32, unique=True)),
                        ('application_secret_encrypted', models.TextField(editable=False, help_text='Fernet token of the secret.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_applications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'API application',
                        'verbose_name_plural': 'API applications',
                        'db_table': 'accounts_apiapplication',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='ConsumerKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('consumer_key', models.CharField(default=api.models.new_consumer_key, editable=False, max_length=64, unique=True)),
                        ('access_rules', models.JSONField(default=list, help_text='[{"method": "GET", "path": "/me/*"}, …]')),
                        ('state', models.CharField(choices=[('pendingValidation', 'Awaiting validation'), ('validated', 'Validated'), ('refused', 'Refused'), ('expired', 'Expired'), ('revoked', 'Revoked')], default='pendingValidation', max_length=20)),
                        ('validation_token', models.CharField(default=api.models.new_validation_token, editable=False, max_length=64, unique=True)),
                        ('redirection', models.URLField(blank=True, max_length=1000)),
                        ('allowed_ips', models.JSONField(blank=True, default=list, help_text='CIDRs; empty means anywhere.')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('validated_at', models.DateTimeField(blank=True, null=True)),
                        ('expires_at', models.DateTimeField(blank=True, help_text='Empty once validated: unlimited.', null=True)),
                        ('last_used_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('account', models.ForeignKey(blank=True, help_text='The customer who validated it; empty until then.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='api_consumer_keys', to=settings.AUTH_USER_MODEL)),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='consumer_keys', to='api.apiapplication')),
                    ],
                    options={
                        'verbose_name': 'API consumer key',
                        'verbose_name_plural': 'API consumer keys',
                        'db_table': 'accounts_consumerkey',
                        'ordering': ['-created_at', '-id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('state', 'validated'), _negated=True), ('account__isnull', False), _connector='OR'), name='validated_consumer_key_has_account')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_api, content_types_to_accounts),
    ]
