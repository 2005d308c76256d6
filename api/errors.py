"""API errors and their JSON bodies: `{"message", "errorCode"?}` with OVHcloud's status codes.

`HANDLERS` turns every exception a route, its validation or its auth can raise into such a body; the
catch-all 500 is left for real faults, logged, and never tells what went wrong.
"""

import logging
import uuid

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from core.errors import Conflict, InvalidInput

logger = logging.getLogger("api")

HTTP_TEXT = {
    400: "400 Bad Request",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    409: "409 Conflict",
    413: "413 Payload Too Large",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
}

# errorCode values, as OVHcloud's clients map them to their exceptions.
INVALID_KEY = "INVALID_KEY"
INVALID_CREDENTIAL = "INVALID_CREDENTIAL"
NOT_CREDENTIAL = "NOT_CREDENTIAL"
NOT_GRANTED_CALL = "NOT_GRANTED_CALL"
INVALID_SIGNATURE = "INVALID_SIGNATURE"
QUERY_TIME_OUT = "QUERY_TIME_OUT"
FORBIDDEN = "FORBIDDEN"


class ApiError(Exception):
    def __init__(self, status: int, message: str, error_code: str = "", headers: dict | None = None):
        super().__init__(message)
        self.http_status = status
        self.message = message
        self.error_code = error_code
        self.headers = headers or {}


def bad_request(message: str, error_code: str = "") -> ApiError:
    return ApiError(400, message, error_code)


def not_found(message: str = "The requested object does not exist") -> ApiError:
    return ApiError(404, message)


def query_id() -> str:
    return f"CP-{uuid.uuid4().hex[:20]}"


def json_response(data, status: int = 200, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    response["X-Ovh-QueryId"] = query_id()
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(status: int, message: str, error_code: str = "", headers: dict | None = None) -> JsonResponse:
    body = {"message": message}
    if error_code:
        body["errorCode"] = error_code
    body["httpCode"] = HTTP_TEXT.get(status, str(status))
    return json_response(body, status=status, headers=headers)


def api_error_response(error: ApiError) -> JsonResponse:
    return error_response(error.http_status, error.message, error.error_code, error.headers)


def parameter_message(error: dict) -> str:
    """One pydantic error as OVHcloud words it, naming the parameter (`a.b` for a nested field)."""
    name = ".".join(str(part) for part in error["loc"]) or "body"
    if error["type"] == "missing":
        return f"Missing parameter {name}"
    return f"Invalid parameter {name}: {error['msg']}"


def _validation(request, error: ValidationError):
    """Ninja's validation error, each error located by the parameter's name (api/contract.py)."""
    return error_response(400, parameter_message(error.errors[0]))


def _http_error(request, error: HttpError):
    """Ninja's own errors; the body parser's carry our ApiError (a 400 or 413 that says why)."""
    if isinstance(error.__cause__, ApiError):
        return api_error_response(error.__cause__)
    return error_response(error.status_code, str(error) or HTTP_TEXT.get(error.status_code, "Error"))


def _invalid_input(request, error: InvalidInput):
    message = f"Invalid parameter {error.field}: {error}" if error.field else str(error)
    return error_response(400, message)


def _suspicious(request, error: SuspiciousOperation):
    """A client's fault (too many query fields, a bad host…), as Django's own handler answers it."""
    logger.warning("suspicious request %s %s: %s", request.method, request.path, type(error).__name__)
    return error_response(400, "Bad request")


def _unexpected(request, error: Exception):
    logger.error("unexpected error in %s %s", request.method, request.path, exc_info=error)
    return error_response(500, "Internal server error")


HANDLERS = {
    ApiError: lambda request, error: api_error_response(error),
    ValidationError: _validation,
    HttpError: _http_error,
    InvalidInput: _invalid_input,
    Conflict: lambda request, error: error_response(409, str(error)),
    Http404: lambda request, error: error_response(404, "The requested object does not exist"),
    RequestDataTooBig: lambda request, error: error_response(413, "The request body is too large"),
    SuspiciousOperation: _suspicious,
    Throttled: lambda request, error: error_response(429, "Too many requests, retry later"),
    # Every route has an auth callable that answers or raises ApiError; this is for a route that lacks one.
    AuthenticationError: lambda request, error: error_response(403, "You must login first", NOT_CREDENTIAL),
    Exception: _unexpected,
}
