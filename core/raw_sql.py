"""Model instances from SQL written by hand, where building the statements with the ORM cost the worker
more than PostgreSQL's work (every refund's statements, docs/performance.md). `Model.objects.raw` still
converts each column of the rows they return as the ORM would, on PostgreSQL and on SQLite.
"""

from django.db.models import Model


def columns(model: type[Model]) -> str:
    """Every column of `model`, for a SELECT or a RETURNING that builds its instances."""
    return ", ".join(field.column for field in model._meta.concrete_fields)


def first(model: type[Model], sql: str, params: list) -> Model | None:
    """The first `model` instance `sql` returns (its extra columns as attributes), or None."""
    return next(iter(model.objects.raw(sql, params)), None)
