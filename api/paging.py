"""OVHcloud's object-list pages: `X-Pagination-Mode: CachedObjectList-Pages` on a list route.

Without the header a list route answers ids, as always. With it, the route answers whole objects, one
page at a time: the client asks `X-Pagination-Number` (from 1), `X-Pagination-Size` and optionally
`X-Pagination-Sort` (a field of the objects) with `X-Pagination-Sort-Order` (ASC or DESC), and reads back
`X-Pagination-Elements` (the total), `X-Pagination-Number`, `X-Pagination-Size`, `X-Pagination-Mode` and
the sort (ovh/manager's iceberg reads `x-pagination-elements` as the list's total count; its order list asks
`.sort('date', 'DESC').limit(5000)`).
"""

from collections.abc import Callable

from django.db.models import QuerySet
from pydantic import BaseModel

from .errors import bad_request, json_response

MODE = "CachedObjectList-Pages"
DEFAULT_SIZE, MAX_SIZE = 5000, 5000
MAX_NUMBER = 1_000_000


def _header(name: str, schema: dict) -> dict:
    return {"name": name, "in": "header", "required": False, "schema": schema}


# The request headers of a list route that pages, for its OpenAPI operation (`openapi_extra=PAGES`).
PAGES = {
    "parameters": [
        _header("X-Pagination-Mode", {"type": "string", "enum": [MODE]}),
        _header("X-Pagination-Sort", {"type": "string"}),
        _header("X-Pagination-Sort-Order", {"type": "string", "enum": ["ASC", "DESC"]}),
        _header("X-Pagination-Number", {"type": "integer", "minimum": 1, "maximum": MAX_NUMBER}),
        _header("X-Pagination-Size", {"type": "integer", "minimum": 1, "maximum": MAX_SIZE}),
    ]
}


def wants_pages(request) -> bool:
    return request.headers.get("X-Pagination-Mode") == MODE


def _header_number(request, name: str, default: int, maximum: int) -> int:
    raw = request.headers.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise bad_request(f"Invalid header {name}: an integer from 1 to {maximum} expected")
    return int(raw)


def _sorted(request, rows: QuerySet, sorts: dict[str, tuple[str, ...]], headers: dict) -> QuerySet:
    """`rows` in the order X-Pagination-Sort asks (one of `sorts`: field → columns), else as they come."""
    field = request.headers.get("X-Pagination-Sort")
    if not field:
        return rows
    if field not in sorts:
        raise bad_request(f"Invalid header X-Pagination-Sort: one of {', '.join(sorted(sorts))} expected")
    order = (request.headers.get("X-Pagination-Sort-Order") or "ASC").upper()
    if order not in {"ASC", "DESC"}:
        raise bad_request("Invalid header X-Pagination-Sort-Order: ASC or DESC expected")
    headers |= {"X-Pagination-Sort": field, "X-Pagination-Sort-Order": order}
    prefix = "-" if order == "DESC" else ""
    return rows.order_by(*(prefix + column for column in sorts[field]))


def page_response(
    request, rows: QuerySet, serialize: Callable, schema: type[BaseModel], sorts: dict[str, tuple[str, ...]]
):
    """One page of `rows` (ordered, unless the client sorts by one of `sorts`), each through `serialize`, checked
    against its OVHcloud type `schema` as the routes' answers are."""
    number = _header_number(request, "X-Pagination-Number", 1, MAX_NUMBER)
    size = _header_number(request, "X-Pagination-Size", DEFAULT_SIZE, MAX_SIZE)
    headers = {"X-Pagination-Mode": MODE, "X-Pagination-Number": str(number), "X-Pagination-Size": str(size)}
    rows = _sorted(request, rows, sorts, headers)
    headers["X-Pagination-Elements"] = str(rows.count())
    page = rows[(number - 1) * size : number * size]
    objects = [schema.model_validate(serialize(row)).model_dump(mode="json", exclude_unset=True) for row in page]
    return json_response(objects, headers=headers)
