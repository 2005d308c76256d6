"""The order list's change log, the PostgreSQL triggers that keep it (orders.models.list_change), and an index
of each account's unpaid orders."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

# Statement-level triggers: one row per account and statement, however many rows it wrote.
ORDERS_FUNCTION = """
CREATE FUNCTION order_list_change_of_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO orders_orderlistchange (account_id) SELECT DISTINCT account_id FROM changed;
    RETURN NULL;
END $$
"""
ORDER_ROWS_FUNCTION = """
CREATE FUNCTION order_list_change_of_order_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO orders_orderlistchange (account_id)
    SELECT DISTINCT o.account_id FROM changed c JOIN orders_order o ON o.id = c.order_id;
    RETURN NULL;
END $$
"""
TABLES = {
    "orders_order": "order_list_change_of_orders",
    "orders_orderline": "order_list_change_of_order_rows",
    "orders_consent": "order_list_change_of_order_rows",
    "orders_invoice": "order_list_change_of_order_rows",
    "orders_payment": "order_list_change_of_order_rows",
}
EVENTS = {"INSERT": "NEW", "UPDATE": "NEW", "DELETE": "OLD"}


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite keeps no log: the list is rendered for every request there
    schema_editor.execute(ORDERS_FUNCTION)
    schema_editor.execute(ORDER_ROWS_FUNCTION)
    for table, function in TABLES.items():
        for event, rows in EVENTS.items():
            schema_editor.execute(
                f"CREATE TRIGGER order_list_change_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {rows} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        for event in EVENTS:
            schema_editor.execute(f"DROP TRIGGER order_list_change_{event.lower()} ON {table}")
    schema_editor.execute("DROP FUNCTION order_list_change_of_orders(), order_list_change_of_order_rows()")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_order_account_settled_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderListChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("changed_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
                (
                    "account",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["account", "id"], name="order_list_change_idx")],
            },
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("status", "notPaid")),
                fields=["account", "expires_at"],
                name="order_account_unpaid_idx",
            ),
        ),
        migrations.RunPython(install, uninstall, hints={"model_name": "orderlistchange"}),
    ]
