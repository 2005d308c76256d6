"""The log of writes to what an account's order list shows, kept by PostgreSQL triggers (migration 0009).

Every INSERT, UPDATE or DELETE statement on the orders, their lines, consents, invoices and payments appends
one row per account it touched, whoever wrote it (a service, a sweep's bulk SQL, the admin, a console). The
list's cache key (orders.views.list_cache) is the count and the largest id of the account's rows: a new row
changes the count even when it commits after a row with a larger id. Rows are only appended, so writers of
one account never wait on each other here. `list_changes_prune` keeps the log short.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

# The tables whose writes the triggers log: each holds `account_id` (orders) or `order_id` (the others).
LOGGED_TABLES = ("orders_order", "orders_orderline", "orders_consent", "orders_invoice", "orders_payment")


class OrderListChange(models.Model):
    id = models.BigAutoField(primary_key=True)
    # No foreign key constraint: the triggers write it, and accounts are never deleted (closure keeps the row).
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    changed_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["account", "id"], name="order_list_change_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} #{self.id}"
