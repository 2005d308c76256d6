"""Request parameters: the raw body, the query string, and the typed fields the schemas are made of.

Everything the API reads from a client goes through here, so the limits on input are enforced once,
before any handler or the database sees it: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413; JSON
nested deeper than MAX_DEPTH, a NUL character (PostgreSQL refuses it in text) or a lone UTF-16 surrogate
(no database can encode it) in any key or string, of the body or of the query string, is a 400.

The field types are strict where OVHcloud's JSON is typed (a body's "2" is not an integer, "yes" not a
boolean) and read query strings, which are text, as their type.
"""

import json
import re
from datetime import UTC, datetime
from typing import Annotated

from django.core.exceptions import RequestDataTooBig
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from ninja.parser import Parser
from pydantic import BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

from .errors import ApiError, bad_request

# Dates outside these years are refused: beyond them, time-zone conversions overflow.
MIN_YEAR, MAX_YEAR = 1970, 9000
# No body of the API nests deeper than 4 (accessRules: object > array > object > string).
MAX_DEPTH = 32
# Ids are 64-bit columns; path converters refuse longer ones (a 404), the schemas document the range.
MAX_ID = 999_999_999_999_999_999
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> bool:
    """True when `text` holds a NUL or a lone surrogate: characters no column of ours can store."""
    return _UNSTORABLE.search(text) is not None


def read_body(request) -> bytes:
    """The raw body; over DATA_UPLOAD_MAX_MEMORY_SIZE, a 413 (Django raises RequestDataTooBig)."""
    try:
        return request.body
    except RequestDataTooBig:
        raise ApiError(413, "The request body is too large") from None


def parse_body(request) -> dict:
    """The JSON body as an object; empty, `{}` and `null` bodies are an empty object."""
    raw = read_body(request)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except RecursionError:
        raise bad_request("The request body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Invalid JSON in the request body") from None
    _check_json(data)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object")
    return data


def _check_json(data) -> None:
    """Every key and string storable, and no deeper than MAX_DEPTH; iterative, so depth cannot overflow."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if unstorable(value):
                raise bad_request("Invalid character in the request body: NUL and lone surrogates are refused")
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise bad_request("The request body is nested too deeply")
            if isinstance(value, dict):
                stack.extend((key, depth + 1) for key in value)
                value = value.values()
            stack.extend((item, depth + 1) for item in value)


def parse_query(querydict, list_fields: list[str]) -> dict:
    """The query string's parameters (the last value of each); NUL in a name or value is a 400.

    Too many of them is Django's TooManyFieldsSent, raised as ninja reads request.GET: a 400 (errors.py)."""
    data = {key: querydict.getlist(key) if key in list_fields else querydict[key] for key in querydict}
    for key, value in data.items():
        if unstorable(key):
            raise bad_request("Invalid character in a query parameter's name: NUL is refused")
        if any(unstorable(text) for text in (value if isinstance(value, list) else [value])):
            raise bad_request(f"Invalid parameter {key}: NUL is refused")
    return data


class OvhParser(Parser):
    """django-ninja's parser with the checks above (ninja turns its exceptions into a 400: errors.py)."""

    def parse_body(self, request) -> dict:
        return parse_body(request)

    def parse_querydict(self, data, list_fields, request) -> dict:
        return parse_query(data, list_fields)


def _integral(value):
    """JSON has one number type: 2.0 is the integer 2 (strictness refuses "2" and true afterwards)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _datetime(value):
    """ISO 8601 date-time or date (midnight); without an offset, UTC; years MIN_YEAR..MAX_YEAR."""
    parsed = _parse_datetime(value) if isinstance(value, str) and len(value) <= 64 else None
    if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise PydanticCustomError("datetime", "an ISO 8601 date-time expected")
    return parsed


def _parse_datetime(value: str) -> datetime | None:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        if day is None:
            return None
        parsed = datetime(day.year, day.month, day.day)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def integer(**constraints):
    """A JSON integer (`constraints`: Field's ge, le…, documented as minimum and maximum)."""
    return Annotated[int, Strict(), Field(**constraints), BeforeValidator(_integral)]


# Body fields (JSON-typed).
Integer = integer()
Boolean = Annotated[bool, Strict()]
# Body or query fields.
DateTime = Annotated[datetime, BeforeValidator(_datetime)]
# Path parameters.
ApiId = Annotated[int, Field(ge=0, le=MAX_ID)]


class Documented:
    """Adds to a field's JSON schema (`enum`, `format`…); a callable value is computed per document."""

    def __init__(self, **extra):
        self.extra = extra

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        schema.update({key: value() if callable(value) else value for key, value in self.extra.items()})
        return schema


def text(max_length: int, **field):
    """A string field of at most `max_length` characters (`field`: Field's other arguments)."""
    return Annotated[str, Field(max_length=max_length, **field)]
