"""Request parameters: JSON bodies and query strings, each failure a 4xx naming the parameter.

Everything the API reads from a client goes through here (the body through `read_body`/`parse_body`, the
query string through `query`), so the limits on input are enforced once, before any handler or the
database sees it: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413; JSON nested deeper than MAX_DEPTH, a
NUL character (PostgreSQL refuses it in text) or a lone UTF-16 surrogate (no database can encode it) in
any key or string is a 400.
"""

import json
import re
from datetime import UTC, datetime

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .errors import ApiError, bad_request

MISSING = object()
# Dates outside these years are refused: beyond them, time-zone conversions overflow.
MIN_YEAR, MAX_YEAR = 1970, 9000
# No body of the API nests deeper than 4 (accessRules: object > array > object > string).
MAX_DEPTH = 32
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


class Params:
    """Typed access to a body's (or query's) fields; `where` says which for the messages."""

    def __init__(self, data: dict, where: str = "body"):
        self.data = data
        self.where = where

    def _get(self, name: str, required: bool):
        value = self.data.get(name, MISSING)
        if value is MISSING or value is None:
            if required:
                raise bad_request(f"Missing parameter {name}")
            return MISSING
        return value

    def _invalid(self, name: str, expected: str):
        return bad_request(f"Invalid parameter {name}: {expected} expected")

    def string(self, name: str, *, required: bool = False, default=None, max_length: int = 10_000):
        value = self._get(name, required)
        if value is MISSING:
            return default
        if not isinstance(value, str):
            raise self._invalid(name, "a string")
        if len(value) > max_length:
            raise bad_request(f"Invalid parameter {name}: at most {max_length} characters")
        return value

    def integer(self, name: str, *, required: bool = False, default=None, minimum=None, maximum=None):
        value = self._get(name, required)
        if value is MISSING:
            return default
        if isinstance(value, str) and self.where == "query":
            try:
                value = int(value)
            except ValueError:
                raise self._invalid(name, "an integer") from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._invalid(name, "an integer")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise bad_request(f"Invalid parameter {name}: out of range")
        return value

    def boolean(self, name: str, *, required: bool = False, default=None):
        value = self._get(name, required)
        if value is MISSING:
            return default
        if self.where == "query" and isinstance(value, str):
            if value.lower() in {"true", "1"}:
                return True
            if value.lower() in {"false", "0"}:
                return False
        if not isinstance(value, bool):
            raise self._invalid(name, "a boolean")
        return value

    def enum(self, name: str, values, *, required: bool = False, default=None):
        value = self.string(name, required=required, default=MISSING)
        if value is MISSING:
            return default
        if value not in values:
            raise bad_request(f"Invalid parameter {name}: one of {', '.join(sorted(values))} expected")
        return value

    def datetime(self, name: str, *, required: bool = False, default=None) -> datetime | None:
        value = self.string(name, required=required, default=MISSING, max_length=64)
        if value is MISSING:
            return default
        parsed = _parse_datetime(value)
        if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
            raise self._invalid(name, "an ISO 8601 date-time")
        return parsed

    def object(self, name: str, *, required: bool = False):
        value = self._get(name, required)
        if value is MISSING:
            return None
        if not isinstance(value, dict):
            raise self._invalid(name, "an object")
        return value

    def array(self, name: str, *, required: bool = False):
        value = self._get(name, required)
        if value is MISSING:
            return None
        if not isinstance(value, list):
            raise self._invalid(name, "an array")
        return value


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


def query(request) -> Params:
    """The query string's parameters (the last value of each); NUL in a name or value is a 400."""
    try:
        data = {key: request.GET.get(key) for key in request.GET}
    except TooManyFieldsSent:
        raise bad_request("Too many parameters in the query string") from None
    for key, value in data.items():
        if unstorable(key):
            raise bad_request("Invalid character in a query parameter's name: NUL is refused")
        if unstorable(value):
            raise bad_request(f"Invalid parameter {key}: NUL is refused")
    return Params(data, where="query")
