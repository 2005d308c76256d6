"""Small project-wide middleware."""

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"


class PermissionsPolicyMiddleware:
    """Adds a Permissions-Policy header denying powerful browser features the panel never uses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
