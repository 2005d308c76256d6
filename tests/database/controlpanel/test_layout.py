"""The layout's parts kept per process ({% cache %} blocks of templates/base.html) follow the language and the
login, and never keep what belongs to one request: each page's forms carry that page's CSRF token and address."""

import re

import pytest
from django.urls import reverse

from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def test_the_layout_follows_the_language_and_the_login(client):
    pages = []
    for language in ("en", "fr", "en"):
        pages.append(client.get(reverse("login"), headers={"accept-language": language}).content.decode())
    assert "Skip to content" in pages[0] and "Aller au contenu" in pages[1] and "Skip to content" in pages[2]
    assert "Se connecter" in pages[1] and '<option value="fr" selected>' in pages[1]
    assert "My account" not in pages[0]

    client.force_login(UserFactory(language="fr"))
    page = client.get(reverse("dashboard")).content.decode()
    assert "Mon compte" in page and "Se connecter" not in page and "Aller au contenu" in page


def test_the_layouts_forms_carry_the_tokens_and_the_address_of_their_request(client):
    client.force_login(UserFactory())
    first = client.get(reverse("dashboard")).content.decode()
    client.cookies.pop("csrftoken", None)  # a new CSRF secret for the next request
    second = client.get(reverse("orders:list") + "?page=1").content.decode()
    tokens = [re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page) for page in (first, second)]
    assert len(tokens[0]) == 2 and len(tokens[1]) >= 2  # the logout form and the language form, at least
    assert not set(tokens[0]) & set(tokens[1])
    assert 'name="next" value="/"' in first and 'name="next" value="/orders/?page=1"' in second
