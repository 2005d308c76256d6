"""core.url_tag: the project's `{% url %}` renders what Django's tag renders (names with and without arguments,
namespaces, `as var`, escaping, NoReverseMatch), and its memo keys everything `reverse` depends on."""

import pytest
from django.http import HttpResponse
from django.template import Context, Engine, engines
from django.test import RequestFactory
from django.urls import NoReverseMatch, path, set_script_prefix, set_urlconf
from django.utils import translation

from core.url_tag import RememberedURLNode

# This module is also a urlconf, to check that the urlconf in force is part of the memo's key.
urlpatterns = [path("elsewhere/", lambda request: HttpResponse(), name="dashboard")]

DJANGO = Engine()
PROJECT = Engine(builtins=["core.url_tag"])


def _both(source: str, **context) -> tuple[str, str]:
    return tuple(engine.from_string(source).render(Context(context)) for engine in (DJANGO, PROJECT))


class _Named:
    """An argument whose str() is what reverse uses: never remembered."""

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text


@pytest.mark.parametrize(
    ("source", "context"),
    [
        ("{% url 'dashboard' %}", {}),
        ("{% url 'orders:list' %}", {}),
        ("{% url 'orders:tracking' 5 %}", {}),
        ("{% url 'orders:tracking' order_id %}", {"order_id": 7}),
        ("{% url 'orders:tracking' order_id=order_id %}", {"order_id": 8}),
        ("{% url 'orders:refund_iban' 5 refund %}", {"refund": 9}),
        ("{% url 'orders:refund_iban' order_id=5 refund_id=refund %}", {"refund": 9}),
        ("{% url name 5 %}", {"name": "orders:purchase_order"}),
        ("{% url 'orders:withdraw_link' token %}", {"token": "a&b c"}),
        ("{% autoescape off %}{% url 'orders:withdraw_link' token %}{% endautoescape %}", {"token": "a&b"}),
        ("{% url 'orders:withdraw_link' token %}", {"token": _Named("named")}),
        ("{% url 'orders:tracking' 5 as link %}[{{ link }}]", {}),
        ("{% url 'no-such-page' as link %}[{{ link }}]", {}),
        ("{% url 'orders:tracking' as link %}[{{ link }}]", {}),
    ],
)
def test_renders_what_djangos_tag_renders(source, context):
    django_output, project_output = _both(source, **context)
    assert project_output == django_output
    assert project_output == _both(source, **context)[1]  # remembered: the same again


@pytest.mark.parametrize("source", ["{% url 'no-such-page' %}", "{% url 'orders:tracking' %}", "{% url 'x:y' 1 %}"])
def test_a_missing_page_still_raises(source):
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            PROJECT.from_string(source).render(Context())


def test_integers_and_booleans_are_different_keys():
    source = "{% url 'orders:withdraw_link' token %}"
    assert [_both(source, token=value) for value in (1, True, 1)] == [
        ("/orders/withdraw/1/", "/orders/withdraw/1/"),
        ("/orders/withdraw/True/", "/orders/withdraw/True/"),
        ("/orders/withdraw/1/", "/orders/withdraw/1/"),
    ]


def test_the_current_app_comes_from_the_request():
    request = RequestFactory().get("/")
    request.current_app = "admin"
    source = "{% url 'admin:index' %}"
    outputs = {engine.from_string(source).render(Context({"request": request})) for engine in (DJANGO, PROJECT)}
    assert outputs == {"/admin/"}


def test_the_script_prefix_and_the_urlconf_are_in_the_key():
    source = "{% url 'dashboard' %}"
    assert _both(source) == ("/", "/")
    set_script_prefix("/panel/")
    try:
        assert _both(source) == ("/panel/", "/panel/")
    finally:
        set_script_prefix("/")
    set_urlconf(__name__)
    try:
        assert _both(source) == ("/elsewhere/", "/elsewhere/")
    finally:
        set_urlconf(None)
    assert _both(source) == ("/", "/")


def test_the_paths_are_the_same_in_every_language():
    with translation.override("fr"):
        french = _both("{% url 'orders:list' %}")
    assert french == _both("{% url 'orders:list' %}") == ("/orders/", "/orders/")


def test_the_projects_templates_use_it():
    template = engines["django"].from_string("{% url 'dashboard' %}")
    assert isinstance(template.template.nodelist[0], RememberedURLNode)


def test_reverse_once_gives_what_reverse_gives_and_remembers_it():
    from django.urls import reverse

    from core.url_tag import _reverse, reverse_once

    assert reverse_once("orders:list") == reverse("orders:list")
    assert reverse_once("orders:tracking", args=(12,)) == reverse("orders:tracking", args=[12])
    hits = _reverse.cache_info().hits
    assert reverse_once("orders:tracking", args=(12,)) == reverse("orders:tracking", args=[12])
    assert _reverse.cache_info().hits == hits + 1
