"""Pages reached from an email open in the email's language: every link to the panel in every email carries
`lang`, which the panel honours logged in or not (the one-time withdrawal link has no session).
"""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from orders.legal import legal_text
from tests.support.orders import paid_order
from tests.support.pages import french

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en"}


def panel_links(text: str) -> list[str]:
    """The links an email's text gives, each at the end of its line."""
    return re.findall(re.escape(settings.PUBLIC_BASE_URL) + r"\S*(?=[ \t]*$)", text, re.MULTILINE)


def test_the_withdrawal_link_of_a_french_email_opens_in_french(client):
    order = paid_order(language="fr")
    client.post(reverse("orders:withdraw_start"), {"order": order.pk, "email": order.account.email}, **ENGLISH_BROWSER)
    [email] = [m for m in mail.outbox if re.search(r"/orders/withdraw/[^/\s?]+/", m.body)]
    [link] = panel_links(email.body)
    assert link.endswith("?lang=fr")
    assert f'href="{link}"' in email.alternatives[0][0]

    page = client.get(link.removeprefix(settings.PUBLIC_BASE_URL), **ENGLISH_BROWSER)
    html = page.content.decode()
    assert page.status_code == 200 and '<html lang="fr">' in html
    heading = french("Withdrawal of the service(s) from the order")
    assert heading != "Withdrawal of the service(s) from the order" and heading in html
    # The confirmation the page leads to stays in French: the choice is kept for this visitor.
    path = link.removeprefix(settings.PUBLIC_BASE_URL).split("?")[0]
    answer = client.post(path, {"confirm": "on"}, follow=True, **ENGLISH_BROWSER)
    assert '<html lang="fr">' in answer.content.decode()


def test_every_panel_link_of_every_email_names_its_language(client):
    """The emails an order sends as it goes (placed, paid, in review…), in English and in French."""
    orders = [paid_order(language=language) for language in ("en", "fr")]
    links = [(m, link) for m in mail.outbox for link in panel_links(m.body)]
    assert len({m.subject for m, _link in links}) >= 2
    for message, link in links:
        assert re.search(r"[?&]lang=(en|fr)$", link), (message.subject, link)
    assert any(link.endswith("lang=fr") for _m, link in links) and any(link.endswith("lang=en") for _m, link in links)
    # The legal copy quoting the withdrawal page's address stays exactly as its versioned text has it.
    quoted = legal_text("withdrawal_information", "fr", seller=orders[1].subsidiary)
    assert any(quoted in m.body for m in mail.outbox)


def test_a_logged_in_customer_follows_the_email_not_the_saved_language(client):
    order = paid_order(language="en")
    client.force_login(order.account)
    html = client.get(reverse("orders:tracking", args=[order.pk]), {"lang": "fr"}).content.decode()
    assert '<html lang="fr">' in html
    assert '<html lang="en">' in client.get(reverse("orders:tracking", args=[order.pk])).content.decode()
    assert client.get(reverse("orders:tracking", args=[order.pk]), {"lang": "xx"}).status_code == 200
