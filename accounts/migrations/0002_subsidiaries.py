from django.db import migrations


def load(apps, schema_editor):
    from accounts.subsidiaries import subsidiary_rows

    Subsidiary = apps.get_model("accounts", "Subsidiary")
    for row in subsidiary_rows():
        Subsidiary.objects.update_or_create(code=row.pop("code"), defaults=row)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
