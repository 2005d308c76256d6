"""The README's quick start, end to end: `bin/run` itself (install, migrate both databases, seed the demo,
then web, worker and beat from the Procfile through honcho) on SQLite and the filesystem broker in a fresh
VAR_DIR, with none of the CI's DATABASE_URL / REDIS_URL. A demo customer orders through the real pages
(catalog, cart, checkout), pays with a sandbox card, and the worker delivers the order; beat's heartbeat
arrives, the seed's pending refund is paid, `check_workers` is happy, and nothing is written outside VAR_DIR.
"""

import contextlib
import email
import email.policy
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import ovh
import ovh.client
import requests

from tests.support import ROOT
from tests.support.processes import free_port

START_TIMEOUT = 240  # bin/install may have work to do on a fresh machine
DELIVERY_TIMEOUT = 90
# What a developer's fresh shell has: none of the CI's DATABASE_URL, REDIS_URL, DJANGO_* or test variables.
KEPT_ENV = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME", "PYENV_ROOT"}


class _Forms(HTMLParser):
    """Each <form>: its action, its inputs' values (checkboxes left unticked) and its buttons' text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._button: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action", ""), "fields": {}, "buttons": []}
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and attrs.get("name") and attrs.get("type") != "checkbox":
            self._form["fields"][attrs["name"]] = attrs.get("value") or ""
        elif self._form is not None and tag == "button":
            self._button = []

    def handle_data(self, data):
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None:
            self._form["buttons"].append(" ".join("".join(self._button).split()))
            self._button = None
        elif tag == "form":
            self._form = None


class Browser:
    """A requests session that fills and posts the pages' own forms, CSRF token included."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()

    def get(self, path: str) -> requests.Response:
        response = self.session.get(self.base + path, timeout=30)
        assert response.status_code == 200, (path, response.status_code, response.text[:2000])
        return response

    def submit(self, page: requests.Response, action: str, button: str = "", **values) -> requests.Response:
        parser = _Forms()
        parser.feed(page.text)
        forms = [f for f in parser.forms if f["action"] == action and any(button in b for b in f["buttons"])]
        assert len(forms) == 1, f"no single form {action!r} with a button {button!r} on {page.url}"
        response = self.session.post(
            self.base + action, data={**forms[0]["fields"], **values}, headers={"Referer": page.url}, timeout=60
        )
        assert response.status_code == 200, (action, response.status_code, response.text[:2000])
        return response


def _kill_session(sid: int) -> None:
    """SIGKILL what is left of the session bin/run started in (honcho puts each process in its own group)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # after "pid (comm)": state, ppid, pgrp, session
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(stat.parent.name), signal.SIGKILL)


def _query(db: Path, sql: str, *params):
    with sqlite3.connect(db, timeout=20) as conn:
        return conn.execute(sql, params).fetchall()


def _wait_for(what: str, check, timeout: float, proc: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while True:
        if value := check():
            return value
        assert proc.poll() is None, f"bin/run exited ({proc.returncode}) while waiting for {what}:\n{_tail(log)}"
        assert time.monotonic() < deadline, f"{what}: not after {timeout} s\n{_tail(log)}"
        time.sleep(0.5)


def _tail(log: Path, lines: int = 80) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def _mail_texts(folder: Path) -> str:
    """The text bodies of the emails the file backend wrote (each file holds messages one after another)."""
    texts = []
    for path in folder.iterdir():
        for raw in re.split(rb"\n-{79}\n", path.read_bytes()):
            if raw.strip():
                message = email.message_from_bytes(raw.strip(), policy=email.policy.default)
                body = message.get_body(preferencelist=("plain",))
                texts.append(body.get_content() if body is not None else "")
    return "\n".join(texts)


def _health(base: str) -> bool:
    try:
        return requests.get(f"{base}/health", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_quick_start_orders_pays_and_delivers(tmp_path):
    var_dir = tmp_path / "var"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key in KEPT_ENV}
    env.update(
        VAR_DIR=str(var_dir),
        PORT=str(port),
        SANDBOX_DELIVERY_SECONDS="1",
        HEARTBEAT_INTERVAL_SECONDS="2",
        PYTHONUNBUFFERED="1",
    )
    top_level_before = {p.name for p in ROOT.iterdir()}
    started = time.time()
    log = tmp_path / "bin-run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(ROOT / "bin" / "run")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for("the web server", lambda: _health(base), START_TIMEOUT, proc, log)
        db = var_dir / "db.sqlite3"

        browser = Browser(base)
        login = browser.get("/accounts/login/")
        browser.submit(login, "/accounts/login/", "Log in", username="alice", password="demo")
        catalog = browser.get("/catalog/")
        browser.submit(catalog, "/catalog/cart/add/", "Personal web hosting, 1 month", quantity="1")
        checkout = browser.get("/catalog/checkout/")
        placed = browser.submit(checkout, "/catalog/checkout/", "Create the purchase order")
        order_id = int(re.fullmatch(rf"{base}/orders/(\d+)/", placed.url).group(1))
        pay = browser.get(f"/orders/{order_id}/pay/")
        paid = browser.submit(
            pay,
            f"/orders/{order_id}/pay/",
            "Add the card and pay",
            number="4242 4242 4242 4242",
            exp_month="12",
            exp_year=str(time.gmtime().tm_year + 2),
        )
        assert paid.url == f"{base}/orders/{order_id}/tracking/", paid.url

        def delivered():
            page = browser.get(f"/orders/{order_id}/tracking/")
            return re.search(r'class="badge badge-[^"]*">Complete<', page.text)

        _wait_for("the order's delivery", delivered, DELIVERY_TIMEOUT, proc, log)
        # PUBLIC_BASE_URL follows PORT: the worker's emails link to this server, and signed API calls pass.
        assert f"{base}/orders/{order_id}/" in _mail_texts(var_dir / "mail")
        token = json.loads(_manage(env, "create_token", "--customer", "alice", "--rule", "GET:/*").stdout)
        ovh.client.ENDPOINTS["quickstart"] = f"{base}/1.0"
        try:
            api = ovh.Client(endpoint="quickstart", **token)
            assert order_id in api.get("/me/order")
        finally:
            ovh.client.ENDPOINTS.pop("quickstart")
        assert _query(db, "SELECT status FROM orders_order WHERE id = ?", order_id) == [("delivered",)]
        services = "SELECT count(*) FROM orders_service s JOIN orders_orderline l ON l.id = s.origin_line_id"
        assert _query(db, f"{services} WHERE l.order_id = ?", order_id) == [(1,)]

        # The seed's "Cancelling…" order: its refund is paid by the worker, the order cancelled.
        _wait_for(
            "the seed's refund",
            lambda: _query(db, "SELECT count(*) FROM orders_refund WHERE status != 'paid'") == [(0,)],
            DELIVERY_TIMEOUT,
            proc,
            log,
        )
        assert _query(db, "SELECT count(*) FROM orders_order WHERE status = 'cancelling'") == [(0,)]

        # Beat runs: its heartbeat (every 2 s here) went through the broker to the worker.
        _wait_for(
            "beat's heartbeat",
            lambda: _query(
                db,
                "SELECT at FROM orders_heartbeat WHERE name = 'beat' AND at > datetime(?, 'unixepoch')",
                int(started),
            ),
            30,
            proc,
            log,
        )
        check = _manage(env, "check_workers")
        assert check.returncode == 0, check.stdout + check.stderr
        assert "broker queue depth: " in check.stdout and check.stdout.rstrip().endswith("OK")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # honcho stops web, worker and beat
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(30)
        _kill_session(proc.pid)
        proc.wait(10)

    log_text = log.read_text(errors="replace")
    assert "celery beat" in log_text and " ready." in log_text, _tail(log)
    # Everything the quick start writes is under VAR_DIR: no ./control of kombu's filesystem broker etc.
    assert {p.name for p in ROOT.iterdir()} <= top_level_before, "bin/run wrote outside VAR_DIR"
    assert not (ROOT / "control").exists()
    assert (var_dir / "broker" / "control").is_dir() and list((var_dir / "mail").iterdir())
    assert list(var_dir.glob("celerybeat-schedule*"))
