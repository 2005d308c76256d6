"""Every template's `{% url %}`: Django's tag (same syntax, same output, same errors) whose paths are reversed once
per process; `reverse_once` does the same for Python code on a page's path. The tag replaces Django's as a
template builtin (TEMPLATES OPTIONS "builtins" in controlpanel/settings.py), so templates write `{% url %}` as
usual.

Django's tag reverses on every render (about 18 µs each, and every page has several: docs/performance.md).
A reversed path depends only on the view name, the arguments, the current app (the namespace a page was
resolved in), and what a request or thread may set: the urlconf, the script prefix and the language (translated
routes); all of them are in the memo's key, so a remembered path is the one `reverse` would give. Only names and
arguments that are strings or integers (what templates pass: ids, slugs) are remembered, with their types (1 and
True are equal keys but reverse differently); any other value (a model instance, whose str() may change) goes
straight to `reverse`. A NoReverseMatch is never remembered: it raises (or gives "" with `as var`) as before.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

_KEYABLE = (str, SafeString, int)  # exact types: a subclass may reverse differently


@register.tag
def url(parser, token):
    """Django's `{% url %}`, parsed by Django, rendered by RememberedURLNode."""
    node = defaulttags.url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


class RememberedURLNode(defaulttags.URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {name: value.resolve(context) for name, value in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        url = ""
        try:
            url = remembered_reverse(view_name, args, kwargs, _current_app(context))
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


def reverse_once(view_name: str, *, args: tuple = (), kwargs: dict | None = None) -> str:
    """`reverse(view_name, args=args, kwargs=kwargs)` for Python code on a page's path (the list's sort and page
    links, an order's menu), remembered as the tag remembers its paths."""
    return remembered_reverse(view_name, list(args), kwargs or {}, None)


def remembered_reverse(view_name, args: list, kwargs: dict, current_app: str | None) -> str:
    """`reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)`, remembered when it can be."""
    values = (view_name, *args, *kwargs.values())
    if any(type(value) not in _KEYABLE for value in values):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    return _reverse(
        view_name,
        tuple(args),
        tuple(kwargs.items()),
        tuple(type(value) for value in values),
        current_app,
        get_urlconf(settings.ROOT_URLCONF),
        get_script_prefix(),
        get_language(),
    )


@lru_cache(maxsize=4096)
def _reverse(view_name, args, kwargs, types, current_app, urlconf, script_prefix, language) -> str:
    # `types`, `urlconf`, `script_prefix` and `language` are in the key only: reverse reads the last three itself.
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


def _current_app(context) -> str | None:
    """The current app as Django's tag finds it: the request's, else the namespace its view was resolved in."""
    try:
        return context.request.current_app
    except AttributeError:
        try:
            return context.request.resolver_match.namespace
        except AttributeError:
            return None
