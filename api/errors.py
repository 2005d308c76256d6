"""API errors and their JSON bodies: `{"message", "errorCode"?}` with OVHcloud's status codes."""

import uuid

from django.http import JsonResponse

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


def conflict(message: str) -> ApiError:
    return ApiError(409, message)


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
