"""core.translation_tags: the panel's translation tags render what Django's `i18n` library renders (constant
messages, contexts, `noop`, `as var`, filters, variables, escaping) in each language, again and again; and no
template of the panel loads Django's library over them."""

import re

import pytest
from django.template import Context, Engine, engines
from django.utils import translation

from core.translation_tags import RememberedTranslateNode
from tests.support import ROOT

DJANGO = Engine(libraries={"i18n": "django.templatetags.i18n"})
PROJECT = Engine(builtins=["core.translation_tags"])


def _both(source: str, **context) -> tuple[str, str]:
    return (
        DJANGO.from_string("{% load i18n %}" + source).render(Context(context)),
        PROJECT.from_string(source).render(Context(context)),
    )


@pytest.mark.parametrize(
    ("source", "context"),
    [
        ('{% translate "Log out" %}', {}),
        ("{% trans 'Log out' %}", {}),
        ('{% translate "Order" context "navigation: order a service" %}', {}),
        ('{% translate "Order" context kind %}', {"kind": "navigation: order a service"}),
        ('{% translate "Log out" noop %}', {}),
        ('{% translate "Log out" as label %}[{{ label }}]', {}),
        ('{% translate "Log out"|upper %}', {}),
        ("{% translate message %}", {"message": "Log out"}),
        ('{% translate "<b>Tom & Jerry</b> 100%%" %}', {}),
        ('{% autoescape off %}{% translate "<b>Tom & Jerry</b>" %}{% endautoescape %}', {}),
        ('{% blocktranslate %}Log out{% endblocktranslate %}{% get_current_language as code %}{{ code }}', {}),
    ],
)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_renders_what_djangos_library_renders(source, context, language):
    with translation.override(language):
        first = _both(source, **context)
        again = _both(source, **context)
    assert first[1] == first[0]
    assert again == first


def test_each_language_has_its_rendering():
    template = PROJECT.from_string('{% translate "Log out" %}')
    outputs = []
    for language in ("en", "fr", "en"):
        with translation.override(language):
            outputs.append(template.render(Context()))
    assert outputs == ["Log out", "Se déconnecter", "Log out"]


def test_a_variable_message_follows_its_variable():
    template = PROJECT.from_string("{% translate message %}")
    with translation.override("fr"):
        assert [template.render(Context({"message": m})) for m in ("Log out", "Pay")] == ["Se déconnecter", "Payer"]


def test_the_panels_templates_use_it():
    template = engines["django"].from_string('{% translate "Log out" %}')
    assert any(isinstance(node, RememberedTranslateNode) for node in template.template.nodelist)


def test_no_template_of_the_panel_loads_djangos_library():
    loading = re.compile(r"\{% load [^%]*\bi18n\b")
    found = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*")
        if path.is_file() and loading.search(path.read_text(errors="replace"))
    ]
    assert not found, f"these load Django's i18n over core.translation_tags (drop the `i18n`): {found}"
