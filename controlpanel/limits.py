"""Refuse a request whose declared body is too large before anything reads it.

Django caps form fields in memory (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams uploaded files to disk
without a total limit, and the CSRF middleware parses a POST body before any view could look at its
size. This middleware runs first and answers 413 from the Content-Length header alone: under /1.0/ in
the API's JSON (OVHcloud's clients parse every error body), elsewhere as a page.
"""

from django.conf import settings
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat

from api.errors import error_response


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_MAX_BODY_SIZE
        if length > limit:
            if request.path_info.startswith("/1.0/"):
                return error_response(413, f"The request body is too large (at most {limit} bytes)")
            return render(request, "413.html", {"limit": filesizeformat(limit)}, status=413)
        return self.get_response(request)
