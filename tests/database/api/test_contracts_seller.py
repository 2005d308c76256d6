"""The contracts the API gives at checkout name the seller: the cart's or the order's subsidiary (issue 16)."""

import pytest
from django.urls import reverse

from accounts.models import Subsidiary
from api.serializers import contracts_json
from tests.support.factories import UserFactory, subsidiary

pytestmark = pytest.mark.django_db

GERMAN_SELLER = "Control Panel Hosting Deutschland GmbH (demo)"


def test_the_contracts_name_their_subsidiary_and_link_to_its_text(client):
    [information, *_] = contracts_json("en", excludable=False, seller=subsidiary("DE"))
    assert GERMAN_SELLER in information["content"] and "France SAS" not in information["content"]
    assert information["url"].endswith("?language=en&subsidiary=DE")
    response = client.get(information["url"])
    assert response.status_code == 200 and GERMAN_SELLER in response.content.decode()


def test_the_contract_page_names_the_readers_subsidiary_without_one_in_its_link(client):
    url = reverse("api_panel:contract", args=["withdrawal_form"])
    assert "Control Panel Hosting France SAS (demo)" in client.get(url).content.decode()  # the accounts' default
    client.force_login(UserFactory(subsidiary=subsidiary("IE"), country="IE"))
    assert Subsidiary.objects.get(code="IE").legal_name in client.get(url).content.decode()
    assert client.get(url + "?subsidiary=XX").status_code == 404
