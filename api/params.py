"""Request parameters: JSON bodies and query strings, each failure a 400 naming the parameter."""

import json
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .errors import bad_request

MISSING = object()
# Dates outside these years are refused: beyond them, time-zone conversions overflow.
MIN_YEAR, MAX_YEAR = 1970, 9000


def parse_body(request) -> dict:
    """The JSON body as an object; empty, `{}` and `null` bodies are an empty object."""
    raw = request.body
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Invalid JSON in the request body") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object")
    return data


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
    return Params({key: request.GET.get(key) for key in request.GET}, where="query")
