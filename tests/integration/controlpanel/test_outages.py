"""Outages under the production settings: pages keep answering while Redis is down or after PostgreSQL ended the
web process's connection.

A real gunicorn runs controlpanel.settings_production (the page cache in controlpanel.redis_cache, sessions in the
database) on the test databases and a private redis-server, behind what a TLS-terminating proxy would send (Host,
X-Forwarded-Proto: https, Origin). The Redis test logs in, stops Redis, browses pages the cache has not kept yet
and logs in again (no 500), then starts Redis again and checks that pages are kept there again. The PostgreSQL
test ends the connections the web process holds, as a server restart does, and browses on (core.postgresql's
health check replaces them).
"""

import contextlib
import os
import re
import subprocess
import sys
import time

import pytest
import redis
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.support import ROOT
from tests.support.factories import UserFactory, place_order
from tests.support.processes import free_port, gunicorn, redis_server

pytestmark = [
    pytest.mark.postgres_only,  # production settings need a DATABASE_URL: PostgreSQL
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]
HOST = "panel.example.com"
PROXY_HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https", "Origin": f"https://{HOST}"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PASSWORD = "a-long-enough-passphrase-1"
KEPT_LISTS = "controlpanel:*order-list:*"  # orders.views.list_cache


class Browser:
    """A client behind the proxy. The cookies are Secure, so requests would not send them over http: kept here."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        response = requests.request(
            method,
            self.base + path,
            headers=PROXY_HEADERS,
            cookies=self.cookies,
            allow_redirects=False,
            timeout=30,
            **kwargs,
        )
        self.cookies.update({cookie.name: cookie.value for cookie in response.cookies})
        return response

    def log_in(self, username: str) -> requests.Response:
        page = self.call("GET", "/accounts/login/")
        assert page.status_code == 200, page.text[:2000]
        token = TOKEN.search(page.text).group(1)
        data = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        return self.call("POST", "/accounts/login/", data=data)


@pytest.fixture
def production_env(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "controlpanel.settings_production",
        "DJANGO_TEST_DATABASES": "1",  # the databases pytest-django created
        "SECRET_KEY": "a-production-like-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": HOST,
        "PUBLIC_BASE_URL": f"https://{HOST}",
        "VAR_DIR": str(tmp_path / "var"),
        "CACHE_RETRY_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("CACHE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**env, "REDIS_URL": ""},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr
    return env


@pytest.fixture
def web_server(production_env, tmp_path):
    """gunicorn under the production settings on a private Redis; yields (url, Redis URL, Redis port, log)."""
    redis_port = free_port()
    with redis_server(tmp_path, redis_port) as redis_url:
        env = {**production_env, "REDIS_URL": redis_url}
        log = tmp_path / "gunicorn.log"
        options = ["-w", "1", "--timeout", "120"]
        with gunicorn(port=free_port(), env=env, log=log, options=options, health_headers={"Host": HOST}) as url:
            yield url, redis_url, redis_port, log


def test_logged_in_pages_and_logins_keep_answering_while_redis_is_down(web_server, tmp_path):
    url, redis_url, redis_port, log = web_server
    customer = UserFactory()
    hasher = PBKDF2PasswordHasher()  # production's: the test settings' MD5 is not among its hashers
    customer.password = hasher.encode(PASSWORD, hasher.salt())
    customer.save(update_fields=["password"])
    order = place_order(account=customer)
    pages = ["/", "/orders/", f"/orders/{order.pk}/", f"/orders/{order.pk}/tracking/", "/account/"]

    browser = Browser(url)
    assert browser.log_in(customer.username).status_code == 302
    for path in pages:
        assert browser.call("GET", path).status_code == 200, path
    assert redis.Redis.from_url(redis_url).keys(KEPT_LISTS), "the list should be kept in Redis"

    # The Redis goes away (the fixture's server stops; its context exits when the test ends, harmlessly).
    redis_proc_stopped = _stop_redis(redis_url)
    assert redis_proc_stopped
    place_order(account=customer)  # the list changes: its kept copies no longer answer, Redis is asked
    statuses = {path: browser.call("GET", path).status_code for path in pages}
    assert set(statuses.values()) == {200}, statuses  # the session comes from the database
    newcomer = Browser(url)
    assert newcomer.log_in(customer.username).status_code == 302
    statuses = {path: newcomer.call("GET", path).status_code for path in pages}
    assert set(statuses.values()) == {200}, statuses
    assert (
        newcomer.call(
            "POST", "/accounts/logout/", data={"csrfmiddlewaretoken": newcomer.cookies["csrftoken"]}
        ).status_code
        == 302
    )
    assert newcomer.call("GET", "/orders/").status_code == 302  # logged out: to the login page

    # Redis is back (empty: no persistence): after CACHE_RETRY_SECONDS a changed list is kept there again.
    with redis_server(tmp_path, redis_port):
        time.sleep(1.5)
        place_order(account=customer)
        assert browser.call("GET", "/orders/").status_code == 200
        assert redis.Redis.from_url(redis_url).keys(KEPT_LISTS), "the list should be kept in Redis again"
        assert browser.call("GET", "/").status_code == 200

    text = log.read_text(errors="replace")
    assert "Internal Server Error" not in text and "Traceback" not in text, text[-5000:]
    assert "Redis cache" in text and "unavailable" in text  # the outage is logged


def test_pages_keep_answering_after_postgresql_ended_the_connections(web_server):
    url, _, _, log = web_server
    customer = UserFactory()
    hasher = PBKDF2PasswordHasher()
    customer.password = hasher.encode(PASSWORD, hasher.salt())
    customer.save(update_fields=["password"])
    order = place_order(account=customer)
    browser = Browser(url)
    assert browser.log_in(customer.username).status_code == 302
    pages = ["/", "/orders/", f"/orders/{order.pk}/tracking/"]
    for path in pages:
        assert browser.call("GET", path).status_code == 200, path

    for _ in range(3):  # each time, the persistent connection the worker kept is gone before its next request
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            assert cursor.fetchone()[0] >= 1, "the web process should hold a connection to end"
        time.sleep(0.2)  # the server's goodbye reaches the worker's socket
        statuses = {path: browser.call("GET", path).status_code for path in pages}
        assert set(statuses.values()) == {200}, statuses

    text = log.read_text(errors="replace")
    assert "Internal Server Error" not in text and "Traceback" not in text, text[-5000:]


def _stop_redis(url: str) -> bool:
    """Stop the redis-server at `url` as an outage would (SHUTDOWN NOSAVE), and wait until it is gone."""
    client = redis.Redis.from_url(url)
    with contextlib.suppress(redis.exceptions.ConnectionError):  # it may close the connection before answering
        client.shutdown(nosave=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis.from_url(url, socket_timeout=0.5).ping()
        except redis.exceptions.ConnectionError:
            return True
        time.sleep(0.1)
    return False
