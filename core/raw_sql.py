"""Reads written in SQL by hand, where building the statements with the ORM cost more Python than PostgreSQL's
work (every refund's statements, the pages of one order, "View my orders": docs/performance.md). Each value is
still converted as the ORM would convert it, on PostgreSQL and on SQLite (which returns datetimes and decimals
as text).

- `first`: the first instance `Model.objects.raw` builds (one model, its extra columns as plain attributes);
- `Columns` and `rows`: several models joined in one statement, typed values of subqueries, or plain rows of a
  few columns (`column` names one);
- `literal` and `instant`: a constant and an instant written or passed as the ORM would.
"""

from datetime import datetime
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model
from django.db.models.expressions import Col


def columns(model: type[Model]) -> str:
    """Every column of `model`, for a SELECT or a RETURNING that builds its instances."""
    return ", ".join(field.column for field in model._meta.concrete_fields)


def first(model: type[Model], sql: str, params: list) -> Model | None:
    """The first `model` instance `sql` returns (its extra columns as attributes), or None."""
    return next(iter(model.objects.raw(sql, params)), None)


def literal(value: str) -> str:
    """A constant of the code (a status, a kind) as an SQL literal: written in the statement rather than bound, so
    that PostgreSQL may use a partial index whose condition names it, even in a prepared statement's plan."""
    if not value.replace("_", "").isalnum():
        raise ValueError(f"Not a plain word: {value!r}")
    return f"'{value}'"


class Columns:
    """Columns of one model under a table alias of a hand-written SELECT: `sql` lists them, `rows` builds the
    instance back. All the concrete fields, or those named (the others are deferred, as with `only`)."""

    def __init__(self, model: type[Model], alias: str, *names: str):
        wanted = set(names)
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not wanted or f.name in wanted or f.attname in wanted]
        self.attnames = [field.attname for field in self.fields]
        self.sql = ", ".join(f'{alias}."{field.column}"' for field in self.fields)
        self.pk_index = self.attnames.index(model._meta.pk.attname)


def column(model: type[Model], name: str) -> tuple[Field, str]:
    """A field of `model` and its quoted column, for a part of `rows` and its SELECT."""
    field = model._meta.get_field(name)
    return field, f'"{model._meta.db_table}"."{field.column}"'


def instant(value: datetime) -> datetime | str:
    """An aware datetime as a parameter of hand-written SQL, as the ORM passes it (SQLite: naive UTC text, the
    format its columns hold, so that comparisons of text give the order of instants)."""
    return connection.ops.adapt_datetimefield_value(value)


def rows(sql: str, params, *parts: Columns | Field | None) -> list[list]:
    """The rows of `sql` (with `%s` placeholders), each split as `parts` say: a model instance for each `Columns`
    (None when its primary key is NULL: an outer join found no row), then a value for each field (a subquery's
    or a join's column, converted as that field's would be) or None (a count, a text: kept as the driver returns
    it), in the order of the SELECT."""
    connection = connections[DEFAULT_DB_ALIAS]  # once: each use of `django.db.connection` looks it up again
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    if not fetched:
        return []
    converters = _converters(connection, parts)
    result = []
    for values in fetched:
        values = list(values)
        for index, found, column in converters:
            for converter in found:
                values[index] = converter(values[index], column, connection)
        result.append(_split(values, parts, connection.alias))
    return result


# The converters of each shape of row, per connection (a thread's own): looking them up for every column of every
# statement took a third of the time of reading an order.
_CONVERTERS: WeakKeyDictionary = WeakKeyDictionary()


def _converters(connection, parts: tuple) -> list[tuple]:
    """(position, converters, column) of each value of a row of `parts` that the ORM would convert."""
    known = _CONVERTERS.setdefault(connection, {})
    if parts not in known:
        found, position = [], 0
        for part in parts:
            for field in part.fields if isinstance(part, Columns) else [part]:
                if field is None:
                    position += 1
                    continue
                col = Col("", field)
                converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if converters:
                    found.append((position, converters, col))
                position += 1
        known[parts] = found
    return known[parts]


def _split(values: list, parts, alias: str) -> list:
    split, start = [], 0
    for part in parts:
        if isinstance(part, Columns):
            own = values[start : start + len(part.fields)]
            start += len(part.fields)
            present = own[part.pk_index] is not None
            split.append(part.model.from_db(alias, part.attnames, own) if present else None)
        else:
            split.append(values[start])
            start += 1
    return split
