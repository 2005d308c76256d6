"""Reads written in SQL by hand, where building the statements with the ORM cost the worker more than
PostgreSQL's work (every refund's statements, "View my orders", docs/performance.md). Both kinds still convert
each column as the ORM would, on PostgreSQL and on SQLite: `Model.objects.raw` builds model instances,
`values` plain tuples for a page that only shows a few columns.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import connection
from django.db.models import Field, Model


def columns(model: type[Model]) -> str:
    """Every column of `model`, for a SELECT or a RETURNING that builds its instances."""
    return ", ".join(field.column for field in model._meta.concrete_fields)


def first(model: type[Model], sql: str, params: list) -> Model | None:
    """The first `model` instance `sql` returns (its extra columns as attributes), or None."""
    return next(iter(model.objects.raw(sql, params)), None)


def column(model: type[Model], name: str) -> tuple[Field, str]:
    """A field of `model` and its quoted column, for `values`."""
    field = model._meta.get_field(name)
    return field, f'"{model._meta.db_table}"."{field.column}"'


def values(sql: str, params: Sequence, fields: Sequence[Field | None]) -> list[list]:
    """The rows of `sql`, each column converted as the ORM converts the field given for it (None: kept as the
    driver returns it, e.g. a count or a text). SQLite returns dates, decimals, booleans and JSON as text or
    numbers: the ORM's converters make them the same Python values as on PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    steps = []
    for index, field in enumerate(fields):
        if field is not None:
            col = field.get_col(field.model._meta.db_table)
            converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if converters:
                steps.append((index, converters, col))
    converted = []
    for row in map(list, rows):
        for index, converters, col in steps:
            value = row[index]
            for converter in converters:
                value = converter(value, col, connection)
            row[index] = value
        converted.append(row)
    return converted


def instant(value: datetime) -> datetime | str:
    """An aware datetime as a parameter of hand-written SQL, as the ORM passes it (SQLite: naive UTC text, the
    format its columns hold, so that comparisons of text give the order of instants)."""
    return connection.ops.adapt_datetimefield_value(value)
