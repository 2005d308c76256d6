"""Rows a sweep writes by the thousand, made by the database from a queryset (`INSERT … SELECT`).

Building a model per row and sending every value back costs more than the database's own work:
for the expiry sweep's 10 000 emails a batch, it was two thirds of the sweep's time. The few values
Python formats (decimals and instants as text) have SQL twins here, pinned by tests against Python's.
"""

from django.db import connections
from django.db.models import Func, Model, QuerySet, TextField


def insert_select(model: type[Model], *, rows: QuerySet, columns: dict, ignore_conflicts: bool = False) -> int:
    """Insert one row of `model` per row of `rows`; returns how many were written.

    `columns` maps each field of `model` to its value: a field name or an expression over `rows`.
    `ignore_conflicts` skips the rows a unique constraint already holds, as `bulk_create` does.
    """
    connection = connections[rows.db]
    select, params = rows.order_by().values_list(*columns.values()).query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) {select}{conflict}", params)
        return cursor.rowcount


class DecimalText(Func):
    """`str(value)` of a DecimalField as Django reads it, with all its decimal places ("12.300").

    SQLite keeps such a column as a number ("12.3", "12"), so it is printed with the field's places
    there (the `%` doubled twice: once for this template, once for the query's parameters).
    """

    output_field = TextField()
    template = "CAST(%(expressions)s AS text)"

    def as_sqlite(self, compiler, connection, **extra):
        places = self.get_source_expressions()[0].output_field.decimal_places
        return self.as_sql(compiler, connection, template=f"printf('%%%%.{places}f', %(expressions)s)", **extra)


class IsoInstant(Func):
    """`value.isoformat()` of a stored instant, as Django reads it back in UTC: "2026-03-18T09:05:00+00:00",
    with ".123456" before the offset only when there are microseconds."""

    output_field = TextField()
    template = (
        "regexp_replace(to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '\\.000000$', '')"
        " || '+00:00'"
    )

    def as_sqlite(self, compiler, connection, **extra):
        # Stored as UTC text, "2026-03-18 09:05:00[.123456]" (microseconds only when there are some).
        return self.as_sql(compiler, connection, template="replace(%(expressions)s, ' ', 'T') || '+00:00'", **extra)
