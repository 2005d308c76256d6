"""Keeping the order list's change log (orders.models.list_change) short."""

from django.db import connection

from ..models import OrderListChange

TABLE = OrderListChange._meta.db_table
# One statement: the rows of every account that has more than one are replaced by a single new row. Its id is
# larger than any before, so the account's key (count, largest id) never comes back to an earlier value, as it
# could if rows were only deleted (rows committed late, with smaller ids, would count up to it again).
PRUNE_SQL = f"""
WITH pruned AS (
    DELETE FROM {TABLE} WHERE account_id IN (SELECT account_id FROM {TABLE} GROUP BY account_id HAVING count(*) > 1)
    RETURNING account_id
)
INSERT INTO {TABLE} (account_id) SELECT DISTINCT account_id FROM pruned
"""


def list_changes_prune() -> int:
    """Shortens each account's log to one row, which keeps the list's cache key cheap to read; returns the
    number of accounts whose log was shortened (their lists are rendered again once).
    """
    with connection.cursor() as cursor:
        cursor.execute(PRUNE_SQL)
        return cursor.rowcount
