"""The translation tags of every template: Django's `i18n` library (all its tags and filters), whose
`{% translate %}` of a constant message is rendered once per node, language and autoescaping rather than on every
render. A template builtin (TEMPLATES OPTIONS "builtins" in controlpanel/settings.py): the panel's templates use
its tags without `{% load i18n %}`, which would put Django's back (tests/unit/core/test_translation_tags.py checks
that none does). Django's admin templates load Django's.

A `{% translate "…" %}` cost about 7 µs (the active catalogue's lookup, a lazy string, localisation, escaping)
against about 2.5 µs for a `{{ var }}`, and a page has dozens (the purchase order 31). The catalogues do not
change while the process runs, so a constant message renders the same for a language and an autoescaping. A
message or context that is a variable, or a message with filters, renders as Django renders it, every time.
"""

from django import template
from django.template.base import FilterExpression, Variable
from django.templatetags import i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)


@register.tag("translate")
@register.tag("trans")
def translate(parser, token):
    """Django's `{% translate %}`, parsed by Django, rendered by RememberedTranslateNode."""
    node = i18n.do_translate(parser, token)
    return RememberedTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)


class RememberedTranslateNode(i18n.TranslateNode):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        constant = _constant(self.filter_expression) and (
            self.message_context is None or _constant(self.message_context)
        )
        # (language, autoescape) → what Django's node renders; None: rendered by Django's node every time.
        self.renderings = {} if constant else None

    def render(self, context):
        if self.renderings is None:
            return super().render(context)
        key = (get_language(), context.autoescape)
        value = self.renderings.get(key)
        if value is None:
            output = super().render(context)
            value = self.renderings[key] = context[self.asvar] if self.asvar else output
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _constant(expression: FilterExpression) -> bool:
    """Whether `expression` is a literal without filters (the same value for every context)."""
    return not expression.filters and (not isinstance(expression.var, Variable) or expression.var.lookups is None)
