"""The order list's change log and its triggers (0009) give way to the page versions (core.page_versions)."""

from importlib import import_module

from django.db import migrations

change_log = import_module("orders.migrations.0009_order_list_changes")


class Migration(migrations.Migration):
    dependencies = [("orders", "0018_free_payments_option_items"), ("core", "0002_page_versions")]

    operations = [
        migrations.RunPython(change_log.uninstall, change_log.install, hints={"model_name": "orderlistchange"}),
        migrations.DeleteModel(name="OrderListChange"),
    ]
