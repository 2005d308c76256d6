"""Routes under /1.0/ (included from controlpanel/urls.py): the django-ninja application of api/contract.py.

Each URL's view answers HEAD as GET without the body (as Django's views and servers do; the signature
is still checked against HEAD), any other method it lacks with OVHcloud's JSON 405 and its Allow header,
and anything else under /1.0/ is OVHcloud's JSON 404.
"""

from django.urls import path, re_path, register_converter
from django.views.decorators.csrf import csrf_exempt

from . import errors
from .contract import ROUTERS, api
from .params import MAX_ID


class ApiIdConverter:
    """A numeric id that fits in a 64-bit column (a longer one simply does not exist: 404)."""

    regex = f"[0-9]{{1,{len(str(MAX_ID))}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class SegmentConverter:
    """One path segment (no slash, no NUL: nothing stored has one), as OVHcloud's `{cartId}` or `{product}`."""

    regex = "[^/\\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(ApiIdConverter, "apiid")
register_converter(SegmentConverter, "segment")


def ovh_view(ninja_view, methods: frozenset[str]):
    """Ninja's view for one URL, with OVHcloud's HEAD and 405; `operations` lists its methods (tests read it)."""
    allowed = ", ".join(sorted(methods | ({"HEAD"} if "GET" in methods else set())))

    @csrf_exempt  # only signatures authenticate /1.0/, never the session cookie
    def view(request, *args, **kwargs):
        head = request.method == "HEAD"
        if head and "GET" in methods:
            request.method = "GET"
        if request.method in methods:
            response = ninja_view(request, *args, **kwargs)
        else:
            method = request.META.get("REQUEST_METHOD", request.method)
            response = errors.error_response(405, f"Method {method} not allowed", headers={"Allow": allowed})
        if head:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    view.operations = methods
    return view


def route_methods() -> dict[str, frozenset[str]]:
    """{"me/order/<apiid:orderId>": {"GET"}, …}: each URL's methods, from the routers."""
    methods: dict[str, set[str]] = {}
    for router in ROUTERS:
        for route, path_view in router.path_operations.items():
            url = route.replace("{", "<").replace("}", ">").lstrip("/")
            methods.setdefault(url, set()).update(m for operation in path_view.operations for m in operation.methods)
    return {url: frozenset(names) for url, names in methods.items()}


@csrf_exempt
def unknown_route(request, *args, **kwargs):
    return errors.error_response(404, f"Got an invalid (or empty) URL: {request.path}")


def _urlpatterns() -> list:
    methods, patterns = route_methods(), {}
    for pattern in api.urls[0]:  # one per operation; ninja's root view is left to unknown_route
        url = str(pattern.pattern)
        if url in methods and url not in patterns:
            patterns[url] = path(url, ovh_view(pattern.callback, methods[url]), name=pattern.name)
    return list(patterns.values())


urlpatterns = [*_urlpatterns(), re_path(r"^.*$", unknown_route)]
