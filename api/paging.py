"""OVHcloud's object-list pages: `X-Pagination-Mode: CachedObjectList-Pages` on a list route.

Without the header a list route answers ids, as always. With it, the route answers whole objects, one
page at a time: the client asks `X-Pagination-Number` (from 1) and `X-Pagination-Size`, and reads back
`X-Pagination-Elements` (the total), `X-Pagination-Number`, `X-Pagination-Size` and `X-Pagination-Mode`
(ovh/manager's iceberg reads `x-pagination-elements` as the list's total count).
"""

from collections.abc import Callable

from django.db.models import QuerySet

from .errors import bad_request, json_response

MODE = "CachedObjectList-Pages"
DEFAULT_SIZE, MAX_SIZE = 5000, 5000
MAX_NUMBER = 1_000_000


def wants_pages(request) -> bool:
    return request.headers.get("X-Pagination-Mode") == MODE


def _header_number(request, name: str, default: int, maximum: int) -> int:
    raw = request.headers.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise bad_request(f"Invalid header {name}: an integer from 1 to {maximum} expected")
    return int(raw)


def page_response(request, rows: QuerySet, serialize: Callable):
    """One page of `rows` (already ordered), each through `serialize`, with the pagination headers."""
    number = _header_number(request, "X-Pagination-Number", 1, MAX_NUMBER)
    size = _header_number(request, "X-Pagination-Size", DEFAULT_SIZE, MAX_SIZE)
    total = rows.count()
    page = rows[(number - 1) * size : number * size]
    headers = {
        "X-Pagination-Mode": MODE,
        "X-Pagination-Elements": str(total),
        "X-Pagination-Number": str(number),
        "X-Pagination-Size": str(size),
    }
    return json_response([serialize(row) for row in page], headers=headers)
