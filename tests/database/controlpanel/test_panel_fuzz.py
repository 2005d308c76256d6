"""Hostile input on every panel page and form: Hypothesis sends, as a customer who owns one of every kind of object
(tests/support/abuse.py's estate), fuzzed query strings to every panel route (GET, and htmx GET) and fuzzed form
fields to every one (POST, CSRF checks off so that each form is really processed): empty, 100 kB, NUL, lone
surrogates as they arrive (`%ED%A0%80`), control characters, huge and negative integers, dates at the ends of
Python's range, bytes that are not UTF-8, repeated keys; next to valid values, so that the handlers are reached.
Nothing may answer 5xx (4xx, 200 and redirects are fine), on SQLite or PostgreSQL.

The routes come from the resolver, as in the access sweep: a new panel route is fuzzed without anyone listing it.
"""

import os
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.support.abuse import PANEL_FILL, PDF, Estate, build_estate, panel_routes, url_for

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

# Generated examples per route, after the explicit ones: each sends a GET and a POST. PANEL_FUZZ_EXAMPLES=200 for a
# deeper run (minutes).
EXAMPLES = int(os.environ.get("PANEL_FUZZ_EXAMPLES", 2))
SLOW_EXAMPLES = 1  # the PDF routes render with WeasyPrint
HUGE = "x" * 100_000
# Answers 503 while no Celery worker has reported in (none runs here): its meaning, not a fault.
DESIGNED_5XX = {("health_workers", 503)}

# Values as they travel: already percent-encoded (so that bytes that are not UTF-8 and lone surrogates arrive
# exactly as a browser or a script would send them), or text that the test encodes.
RAW = [
    "%00",
    "a%00b",
    "%ED%A0%80",  # a lone surrogate, \ud800, as UTF-8 would have it (invalid UTF-8)
    "%ED%BF%BF",
    "%FF%FE",
    "%C3",
    "%E9t%E9",  # Latin-1
    "%F4%90%80%80",  # beyond U+10FFFF
    "%25",
    "%",
    "%zz",
    "+",
    "%0D%0A",
    "%1B%5B31m",
    "%7F",
    "%EF%BF%BF",
]
TEXT = [
    "",
    " ",
    "\x00",
    "\x01\x02\x08\x0b\x0c\x1f",
    "\t\r\n",
    "\u202e",
    "\U0010ffff",
    "\U0001f600",
    "é",
    "'\"<>&;\\",
    "../../etc/passwd",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "0",
    "-1",
    "-9223372036854775809",
    "9223372036854775808",
    "99999999999999999999999999999999999999",
    "1e309",
    "NaN",
    "1.5",
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "10000-01-01",
    "2026-02-30",
    "-date",
    "all",
    "expired",
    "true",
    "on",
    HUGE,
]


def encoded(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


piece = st.one_of(st.sampled_from(RAW), st.sampled_from(TEXT).map(encoded), st.text(max_size=8).map(encoded))
hostile = st.lists(piece, min_size=1, max_size=3).map("".join)

# Every query parameter a panel page reads, and every field of every panel form (a form ignores the others).
QUERY_KEYS = ["status", "date_from", "date_to", "q", "sort", "page", "back", "next", "language", "viewport", "token"]
FORM_KEYS = [
    # sign-up, billing details, login, password change and reset, account closure, data export
    "username", "email", "password", "password1", "password2", "old_password", "new_password1", "new_password2",
    "first_name", "last_name", "organisation", "vat_number", "address", "postcode", "city", "country", "phone",
    "legal_form", "subsidiary", "language", "next", "confirm",
    # payment methods
    "kind", "number", "exp_month", "exp_year", "iban", "make_default",
    # cart, checkout, pay
    "pricing", "quantity", "cart", "revision", "express_request", "excludable_ack", "method", "action",
    "payment_attempt",
    # withdrawal (on the order, and the one-time link's start page)
    "order", "reason", "comment",
    # API applications and keys
    "name", "description", "validity",
]  # fmt: skip


def valid_values(estate: Estate) -> dict[str, list[str]]:
    """Values that pass, so that a request gets past its first field to the next one."""
    pricing = estate.cart_item.pricing
    return {
        "status": ["all", "delivered"],
        "date_from": ["2020-01-01"],
        "date_to": ["2999-12-31"],
        "q": [str(estate.order.number) if hasattr(estate.order, "number") else "1"],
        "sort": ["-date", "total"],
        "page": ["1", "2"],
        "back": [encoded("status=all&page=2")],
        "next": ["/orders/"],
        "language": ["fr", "en"],
        "username": [estate.account.username],
        "email": [estate.account.email],
        "subsidiary": [estate.account.subsidiary_id],
        "country": ["FR"],
        "legal_form": ["individual"],
        "kind": ["creditCard", "bankAccount", "paypal"],
        "number": ["4242424242424242"],
        "exp_month": ["12"],
        "exp_year": ["2030"],
        "pricing": [str(pricing.pk)],
        "quantity": ["1"],
        "cart": [str(estate.cart.pk)],
        "method": [str(estate.method.pk)],
        "action": ["card", "saved", "paypal", "approve", "cancel", "refuse"],
        "order": [str(estate.unpaid_order.pk), str(estate.order.pk)],
        "reason": ["unused", "other"],
        "confirm": ["on"],
        "name": ["fuzz"],
    }


def fields(keys: list[str], valid: dict) -> st.SearchStrategy[str]:
    """An urlencoded query string or body: some keys, each with a valid or a hostile value, keys repeated at times,
    and now and then a hostile key."""
    key = st.sampled_from(keys)
    pair = key.flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.sampled_from([encoded(str(v)) for v in valid[name]]) | hostile if name in valid else hostile,
        )
    )
    pairs = st.lists(pair | st.tuples(hostile, hostile), max_size=6)
    repeated = st.lists(pair, min_size=1, max_size=2).map(lambda ps: ps * 3)  # the same keys again
    return st.one_of(pairs, repeated).map(lambda ps: "&".join(f"{k}={v}" for k, v in ps))


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def test_hostile_input_on_every_panel_page_and_form_is_never_a_5xx(settings):
    settings.EMAIL_FORMS_PER_HOUR = 1  # so that the throttled answers of the forms that send emails are fuzzed too
    cache.clear()
    estate = build_estate(username="fuzzed")
    valid = valid_values(estate)
    # Destructive routes last: logging out and revoking do no harm to the others when they come after them.
    routes = sorted(panel_routes(), key=lambda r: "remove" in r.path or "revoke" in r.path or "logout" in r.path)
    urls = []
    for route in routes:
        if route.params in PANEL_FILL:
            urls.append((route, url_for(route, PANEL_FILL[route.params](estate))))
        elif route.params:
            urls.append((route, url_for(route, dict.fromkeys(route.params, "x"))))  # tokens: hostile ones below
        else:
            urls.append((route, url_for(route, {})))
    assert len(urls) >= 45
    failures: list[str] = []
    statuses: dict = {}
    for route, url in urls:
        fuzz_route(route, url, estate=estate, valid=valid, failures=failures, statuses=statuses)
    assert {who for codes in statuses.values() for who, _, _ in codes} == {"customer", "anonymous"}
    assert not failures, "\n".join(failures)


def fuzz_route(route, url, *, estate, valid, failures, statuses) -> None:
    slow = url.endswith("/pdf/")

    @st.composite
    def requests_(draw):
        htmx = draw(st.booleans())
        anonymous = draw(st.integers(0, 3)) == 0  # sign-up, login, password reset, the withdrawal link's start
        path = url
        if route.params and route.params not in PANEL_FILL and draw(st.booleans()):
            path = url.replace("/x/", "/" + draw(hostile).replace("%2F", "") + "/")
        query = draw(fields(QUERY_KEYS, valid))
        body = draw(fields(FORM_KEYS, valid))
        upload = None
        if "documents" in url and draw(st.booleans()):
            name = draw(
                st.sampled_from(["id.pdf", "a\x00b.pdf", "\u202efdp.exe", "x" * 300 + ".pdf", "é\t.pdf", ".pdf"])
            )
            upload = (name, draw(st.sampled_from([PDF, b"", b"\x00" * 100, b"%PDF-" + b"\xff" * 1000])))
        return htmx, anonymous, path, query, body, upload

    def every_key(keys: list[str], value) -> str:
        return "&".join(f"{key}={value(key) if callable(value) else value}" for key in keys)

    def edge(key: str) -> str:  # huge and negative numbers, the ends of Python's dates
        return {"date_from": "0001-01-01", "date_to": "9999-12-31"}.get(
            key, "-" + "9" * 30 if len(key) % 2 else "9" * 30
        )

    def alternate(key: str) -> str:
        return "a%00b" if len(key) % 2 else "%ED%A0%80"

    # Every key at once with the same kind of hostile value, so that each field meets each of them whatever
    # the generated examples draw: NUL, a lone surrogate, edge numbers and dates; and anonymously.
    # Then nothing at all, anonymously (a POST with no field), the throttled forms' limit being 1.
    # Tokens in the path (routes whose parameters name no object) get NUL and a lone surrogate too.
    def token(value: str) -> str:
        return url.replace("/x/", f"/{value}/") if route.params and route.params not in PANEL_FILL else url

    explicit = [
        (False, False, token(value), every_key(QUERY_KEYS, value), every_key(FORM_KEYS, value), None)
        for value in ("a%00b", "%ED%A0%80")
    ] + [
        (False, False, url, every_key(QUERY_KEYS, edge), every_key(FORM_KEYS, edge), None),
        (True, True, url, every_key(QUERY_KEYS, alternate), every_key(FORM_KEYS, alternate), None),
        (False, True, url, "", "", None),
    ]

    @given(request=requests_())
    @hypothesis_settings(
        max_examples=SLOW_EXAMPLES if slow else EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(request):
        htmx, anonymous, path, query, body, upload = request
        client = Client(raise_request_exception=False)  # a crash is a 500 here, collected with its exception
        if not anonymous:
            client.force_login(estate.account)
        headers = {"HX-Request": "true"} if htmx else {}
        who = "anonymous" if anonymous else "customer"
        responses = [("GET", client.get(path, QUERY_STRING=query, headers=headers))]
        if upload:
            data = {key: value for key, value in (pair.split("=", 1) for pair in body.split("&") if "=" in pair)}
            data = {k: v for k, v in data.items() if "%" not in k + v}  # multipart: text the client can encode
            data["files"] = SimpleUploadedFile(upload[0], upload[1], content_type="application/pdf")
            responses.append(("POST", client.post(path, data, QUERY_STRING=query, headers=headers)))
        else:
            post = client.post(
                path, body, content_type="application/x-www-form-urlencoded", QUERY_STRING=query, headers=headers
            )
            responses.append(("POST", post))
        for method, response in responses:
            statuses.setdefault(route.name, set()).add((who, method, response.status_code))
            if response.status_code >= 500 and (route.name, response.status_code) not in DESIGNED_5XX:
                exc = response.exc_info[1] if response.exc_info else None
                failure = f"{response.status_code} {who} {method} {path}?{query[:200]} body={body[:200]!r}: {exc!r}"
                failures.append(failure[:700])

    for request in [] if slow else explicit:
        run = example(request=request)(run)
    run()
