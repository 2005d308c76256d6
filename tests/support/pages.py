"""The panel's pages as the tests of two tiers reach them: their addresses, the wording a test looks for, what a
customer types into them, and the text of a PDF they serve. The database tests request the pages with the test
client; the browser tests (tests/browser/) open the same pages in Chromium.
"""

import io
import re

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

# --- addresses ---------------------------------------------------------------------------------------

CATALOG = reverse("ordering:catalog")
CART = reverse("ordering:cart")
CHECKOUT = reverse("ordering:checkout")


def pay_url(order) -> str:
    return reverse("orders:pay", args=[order.pk])


def tracking_url(order) -> str:
    return reverse("orders:tracking", args=[order.pk])


def withdraw_url(order) -> str:
    return reverse("orders:withdraw", args=[order.pk])


# --- what the pages say ----------------------------------------------------------------------------

CLOSED_MESSAGE = "Your account is closed. We sent a confirmation to your email address. Thank you for your trust."


def french(message: str) -> str:
    """The French wording, from the catalogue the page itself uses."""
    with translation.override("fr"):
        return gettext(message)


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- what a customer types -------------------------------------------------------------------------

PASSWORD = "Corr3ct-Horse-Battery"  # passes the password validators
NEXT_YEAR = timezone.localdate().year + 1  # a card's expiry year that is still to come


def confirmation_link(message) -> str:
    """The link of the sign-up confirmation email."""
    return re.search(r"https?://\S+/account/confirm/\S+/", message.body).group(0)


def paypal_return_url(order, token: str) -> str:
    return reverse("orders:paypal_return", args=[order.pk]) + f"?token={token}"


def paypal_cancel_url(order, token: str) -> str:
    return reverse("orders:paypal_cancel", args=[order.pk]) + f"?token={token}"
