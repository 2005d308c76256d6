"""One view per URL pattern: method dispatch, authentication, and every outcome as JSON.

Each route maps HTTP methods to (handler, auth mode). The view is exempt from CSRF (only signatures
authenticate /1.0/, never the session cookie), answers HEAD as GET without the body, 405 for other
methods, and turns every error, unexpected ones included, into `{"message", "errorCode"?}`. Bad input
is refused where it is read (api/params.py), so the catch-all 500 is left for real faults, logged.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from core.errors import Conflict, InvalidInput

from . import errors
from .signing import authenticate

logger = logging.getLogger("api")


@dataclass(frozen=True)
class Operation:
    handler: Callable
    auth: str


def route(**operations: Operation):
    """A view for one URL pattern: `route(GET=Operation(handler, auth), POST=...)`."""
    methods = set(operations) | ({"HEAD"} if "GET" in operations else set())
    allowed = ", ".join(sorted(methods))

    @csrf_exempt
    def view(request, **kwargs):
        response = respond(request, kwargs)
        if request.method == "HEAD":  # as GET, without the body (Django's views and servers do the same)
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    def respond(request, kwargs):
        try:
            operation = operations.get("GET" if request.method == "HEAD" else request.method)
            if operation is None:
                raise errors.ApiError(405, f"Method {request.method} not allowed", headers={"Allow": allowed})
            caller = authenticate(request, operation.auth)
            language = caller.account.language if caller.account else translation.get_language_from_request(request)
            with translation.override(language or "en"):
                result = operation.handler(request, caller, **kwargs)
        except errors.ApiError as error:
            return errors.api_error_response(error)
        except InvalidInput as error:
            message = f"Invalid parameter {error.field}: {error}" if error.field else str(error)
            return errors.error_response(400, message)
        except Conflict as error:
            return errors.error_response(409, str(error))
        except Http404:
            return errors.error_response(404, "The requested object does not exist")
        except RequestDataTooBig:  # api/params.py reads the body; this is for any other reader
            return errors.error_response(413, "The request body is too large")
        except SuspiciousOperation as error:  # a client's fault, as Django's own handler answers it
            logger.warning("suspicious request %s %s: %s", request.method, request.path, type(error).__name__)
            return errors.error_response(400, "Bad request")
        except DatabaseError:
            logger.exception("database error in %s %s", request.method, request.path)
            return errors.error_response(500, "Internal server error")
        except Exception:
            logger.exception("unexpected error in %s %s", request.method, request.path)
            return errors.error_response(500, "Internal server error")
        if isinstance(result, HttpResponse):
            return result
        return errors.json_response(result)

    view.operations = operations
    return view


@csrf_exempt
def unknown_route(request, *args, **kwargs):
    return errors.error_response(404, f"Got an invalid (or empty) URL: {request.path}")
