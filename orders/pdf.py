"""HTML → PDF with WeasyPrint, fetching nothing but our own static files.

A document is rendered from a template we wrote, but it carries customer data (billing names,
addresses, configurations): a URL slipped into it must never make the server fetch anything, so
the fetcher serves files found by the staticfiles finders, read from disk, and refuses the rest.
The font configuration and the print stylesheet are loaded once per process.
"""

import hashlib
import mimetypes
import re
import threading
from functools import cache
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint import CSS, HTML, __version__
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative URLs in a document resolve against this made-up origin; only its static prefix is served.
BASE_URL = "https://document.invalid/"
STYLESHEET = "css/document.css"

# What the page needs and paper does not, though WeasyPrint parses and boxes it (about 10 % of a purchase
# order's render): whitespace right before a block-level tag (CSS drops it at block boundaries; whitespace
# before inline tags is kept), and data-* attributes (the narrow-screen table labels). Customer text cannot
# match: the templates escape its quotes and angle brackets.
_BEFORE_BLOCK = re.compile(
    r">\s+<(?=/?(?:html|head|body|main|article|header|section|nav|div|p|h[1-6]|ul|ol|li|dl|dt|dd|table|caption|thead"
    r"|tbody|tr|th|td|meta|title)\b)"
)
_DATA_ATTRIBUTE = re.compile(r'\sdata-[\w-]+="[^"<>]*"')
FONT_CONFIG = FontConfiguration()
# WeasyPrint's font configuration is not documented as thread-safe: one rendering at a time per process.
_RENDER_LOCK = threading.Lock()


class StaticFilesFetcher(URLFetcher):
    """Serves `<static prefix><path>` from the static files on disk; any other URL is refused."""

    def fetch(self, url, headers=None):
        name = static_name(url)
        if name is None:
            raise ValueError(f"Refused to fetch {url!r}: documents may only use our static files")
        path = finders.find(name) or (staticfiles_storage.exists(name) and staticfiles_storage.path(name))
        if not path:
            raise ValueError(f"No static file {name!r}")
        with open(path, "rb") as file:
            body = file.read()
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def static_name(url: str) -> str | None:
    """The static file's relative name if `url` is under our static prefix, else None."""
    prefix = urljoin(BASE_URL, settings.STATIC_URL)
    parts, base = urlsplit(url), urlsplit(prefix)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(base.path):
        return None
    name = unquote(parts.path[len(base.path) :])
    segments = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(s in {"", ".", ".."} for s in segments):
        return None
    return name


FETCHER = StaticFilesFetcher(fail_on_errors=False)


def _stylesheet_url() -> str:
    return urljoin(BASE_URL, settings.STATIC_URL + STYLESHEET)


@cache
def _stylesheet() -> CSS:
    return CSS(url=_stylesheet_url(), url_fetcher=FETCHER, font_config=FONT_CONFIG)


@cache
def render_fingerprint() -> bytes:
    """A digest of what decides a PDF besides its HTML (WeasyPrint's version, the stylesheet): a deploy changing
    either changes it, which invalidates the PDFs kept by orders.pdf_cache."""
    stylesheet = FETCHER.fetch(_stylesheet_url()).read()
    return hashlib.sha256(__version__.encode() + b"\0" + stylesheet).digest()


def render_pdf(*, html: str) -> bytes:
    """A PDF of `html` styled by static/css/document.css; the HTML should not link that file again."""
    html = _DATA_ATTRIBUTE.sub("", _BEFORE_BLOCK.sub("><", html))
    with _RENDER_LOCK:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=FETCHER)
        return document.write_pdf(stylesheets=[_stylesheet()], font_config=FONT_CONFIG)
