"""The page's language: the `lang` of a link from an email (core.outbox tags them all), else the logged-in
customer's saved language; anonymous visitors otherwise keep LocaleMiddleware's choice.

A link from an email opens in the email's language, logged in or not (a one-time withdrawal link has no
session); for a visitor without an account the choice is kept in the language cookie, so that the form the
page leads to (and its answer) stays in that language.
"""

from django.conf import settings
from django.utils import translation

from .views import remember_language


def _emailed_language(request) -> str:
    language = request.GET.get("lang", "")
    return language if language in dict(settings.LANGUAGES) else ""


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        logged_in = user is not None and user.is_authenticated
        emailed = _emailed_language(request)
        language = emailed or (user.language if logged_in else "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if emailed and not logged_in:
            remember_language(response, emailed)
        return response
