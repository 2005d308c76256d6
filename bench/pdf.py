"""The purchase order PDF: a first render against WeasyPrint's plain page, a kept one against a first render.

In one process, fonts (DejaVu Sans, WeasyPrint's FontConfiguration) and stylesheets loaded once, timed side
by side and interleaved after a warm-up:

* plain: WeasyPrint writing a one-page letter in the same fonts (a heading, then as many paragraphs in regular
  and bold as fill the page), through the same URL fetcher;
* first render: `GET` of a 10-line purchase order's PDF through the real view (logged-in test client), its
  kept file deleted beforehand (untimed), so the view renders the HTML, then the PDF, and keeps it;
* kept: the same `GET` again, served from orders.pdf_cache.

The order is built in the bench database through the real services (cart, checkout), with two saved cards.
"""

import statistics
import time
import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from weasyprint import CSS, HTML

from .common import Ratio, ensure_databases

WARM_UP = 3
REPETITIONS = 30
LINES = 10

PLAIN_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm; }
body { margin: 0; font: 9pt/1.4 "DejaVu Sans", sans-serif; color: #1b2430; }
"""
PARAGRAPH = (
    "We confirm that your hosting plan has been renewed for another year. The invoice is available in your "
    "control panel, under <b>View my orders</b>, together with the purchase order and the tracking of each step. "
    "Should you have any question about this renewal, our support team answers by phone and by email, every day."
)


def _letter(paragraphs: int) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Letter</title></head><body>'
        "<h1>Your renewal</h1>" + f"<p>{PARAGRAPH}</p>" * paragraphs + "</body></html>"
    )


def _one_page_letter(render) -> str:
    """The longest letter that `render` (HTML → weasyprint Document) still lays out on one page."""
    paragraphs = 1
    while len(render(_letter(paragraphs + 1)).pages) == 1:
        paragraphs += 1
    return _letter(paragraphs)


def _ten_line_order():
    """A customer with two saved cards and an unpaid 10-line order, made by the real cart and checkout services."""
    from accounts.models import PaymentMethod, Subsidiary, User
    from catalog.models import Family, Plan, Pricing
    from orders.services.carts import cart_add_item, cart_assign, cart_create
    from orders.services.checkout import cart_checkout
    from orders.services.consents import Evidence
    from payments.kinds import PaymentKind

    run = uuid.uuid4().hex[:8]
    subsidiary = Subsidiary.objects.get(code="FR")
    account = User.objects.create_user(
        username=f"bench-pdf-{run}",
        email=f"bench-pdf-{run}@example.com",
        password=uuid.uuid4().hex,
        first_name="Alice",
        last_name="Martin",
        subsidiary=subsidiary,
        country="FR",
        address="1 rue de la Paix",
        city="Paris",
        postcode="75002",
        email_confirmed=True,
    )
    for label, days in (("Visa •••• 4242", 400), ("Visa •••• 1111", -1)):
        PaymentMethod.objects.create(
            account=account,
            kind=PaymentKind.CARD,
            label=label,
            token=uuid.uuid4().hex,
            is_default=days > 0,
            expires_on=timezone.localdate() + timedelta(days=days),
        )
    cart = cart_create(subsidiary_code="FR")
    for number in range(LINES):
        plan = Plan.objects.create(
            plan_code=f"bench-pdf-{run}-{number}",
            family=Family.WEB_HOSTING,
            name_en=f"Web Hosting Performance {number + 1}",
            name_fr=f"Hébergement Web Performance {number + 1}",
        )
        pricing = Pricing.objects.create(
            plan=plan, subsidiary=subsidiary, duration="P1M", months=1, price=Decimal("9.99") + number
        )
        cart_add_item(cart=cart, plan_code=plan.plan_code, duration=pricing.duration, pricing_mode=pricing.pricing_mode)
    cart_assign(cart=cart, account=account)
    order = cart_checkout(cart=cart, account=account, evidence=Evidence(channel="panel", ip="127.0.0.1"))
    return account, order


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def run() -> list[Ratio]:
    from orders.pdf import FETCHER, FONT_CONFIG
    from orders.pdf_cache import PdfCacheStorage, cache_name

    ensure_databases("default")  # the PDF needs no sandbox ledger
    account, order = _ten_line_order()
    client = Client()
    client.force_login(account)
    url = reverse("orders:purchase_order_pdf", args=[order.pk])
    storage = PdfCacheStorage()
    kept = [cache_name(kind="purchase-order", object_id=order.pk, language=code) for code, _ in settings.LANGUAGES]
    plain_css = CSS(string=PLAIN_CSS, font_config=FONT_CONFIG)
    letter = _one_page_letter(
        lambda html: HTML(string=html, url_fetcher=FETCHER).render(stylesheets=[plain_css], font_config=FONT_CONFIG),
    )

    def plain():
        HTML(string=letter, url_fetcher=FETCHER).write_pdf(stylesheets=[plain_css], font_config=FONT_CONFIG)

    def download():
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF"), response.status_code

    times = {"plain": [], "first": [], "kept": []}
    for repetition in range(WARM_UP + REPETITIONS):
        for name in kept:  # forgotten, so that the next download renders
            storage.delete(name)
        measured = {"plain": _timed(plain), "first": _timed(download), "kept": _timed(download)}
        if repetition >= WARM_UP:
            for name, seconds in measured.items():
                times[name].append(seconds)
    plain_s, first_s, kept_s = (statistics.median(times[name]) for name in ("plain", "first", "kept"))
    return [
        Ratio(
            f"PDF: first render of a {LINES}-line purchase order (view) vs a plain one-page WeasyPrint document",
            first_s,
            plain_s,
            "s",
            4,
            at_least=False,
            note=f"medians of {REPETITIONS}",
        ),
        Ratio(
            "PDF: repeated download of the purchase order (kept, view) vs its first render",
            kept_s,
            first_s,
            "s",
            0.1,
            at_least=False,
            note=f"medians of {REPETITIONS}",
        ),
    ]
