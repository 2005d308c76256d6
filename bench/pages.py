"""Pages under load: gunicorn with the production settings, PostgreSQL, wrk on loopback.

Two databases, both kept between runs (generated once, reused when their counts are right):

- `BENCH_DB_NAME` with the full scale data (`scale_data`: 1 000 customers, 1 000 000 orders, the
  first customer holding 10 000 of them);
- `BENCH_DB_NAME_small` with that customer alone (`scale_data --customers 1 --orders 10000`).

The big customer's list is the same size in both; only the table around it differs (10 000 orders
in it, or 1 000 000). Two databases rather than one grown in the middle of the run, so that a run can
reuse both without regenerating anything.

Five gunicorns run side by side with the production settings: one on the big database as production
runs it, one per database with `ORDER_PAGE_CACHE_SECONDS=0`, which render every page (the pages kept
in the cache would compare cache reads, not the queries the indexes serve), and two on the quick start's
SQLite files with the demo data (`seed_demo`, customer `alice`) and no Redis (each worker keeps pages in its
own memory), cache on and off. Each round runs, on the
first: GET /1.0/auth/time (the baseline: routing, middleware and a JSON response, no database), page 1
of "View my orders", the tracking page and the HTML purchase order of the big customer's most recent
delivered order (cache on); then, with the cache off on the big database, the same three pages and the
dashboard (always rendered), the list on the small database, and the same pages on SQLite, cache on and
off. Ratios are the median of the per-round ratios: each page's throughput over the baseline's of the same
round, and the rendered list's median latency on the big database over its median on the small one.

wrk sends `X-Forwarded-Proto: https` (the production settings trust it, as behind the TLS proxy, and
redirect anything else) and the session cookie of a session made for the big customer directly in the
session store (the customers of scale_data have no usable password). A Lua script counts every
response that is not a 200 (wrk itself counts 3xx as successes, and a redirect to the login page is
a 3xx): any such response, or any socket error, fails the benchmark.
"""

import json
import os
import secrets
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from .common import Ratio

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
BIG_PORT = int(os.environ.get("BENCH_PAGES_PORT", "8610"))  # and the next four: two runs on one machine keep apart
RENDERED_BIG_PORT, RENDERED_SMALL_PORT, SQLITE_PORT, RENDERED_SQLITE_PORT = (BIG_PORT + n for n in range(1, 5))
SQLITE_CUSTOMER = "alice"  # of the demo data (seed_demo), as the quick start shows it
CUSTOMERS, ORDERS, BIG_ORDERS = 1000, 1_000_000, 10_000
ROUNDS = int(os.environ.get("BENCH_PAGES_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_PAGES_SECONDS", "5"))
CONNECTIONS = 8
WORKERS = 4  # as in the README's production command

WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body) if status ~= 200 then not_ok = not_ok + 1 end end
function done(summary, latency, requests)
  local not_ok = 0
  for _, thread in ipairs(threads) do not_ok = not_ok + thread:get("not_ok") end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), not_ok, e.connect + e.read + e.write + e.status + e.timeout))
end
"""

# Run in `manage.py shell` under the production settings: a session for the big customer, and the pages.
SESSION_SCRIPT = """
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Count
from django.urls import reverse
from importlib import import_module
from django.utils.module_loading import import_string
from accounts.models import User
from orders.models import Order
import os
from bench.scale_data import BIG_CUSTOMER
user = User.objects.get(username=os.environ.get("BENCH_CUSTOMER", BIG_CUSTOMER))
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
# The first backend that loads users (a lockout backend such as axes may come first and load none).
session[BACKEND_SESSION_KEY] = next(
    path for path in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(path), "get_user")
)
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
order = (Order.objects.filter(account=user, status="delivered").annotate(n=Count("lines"))
         .order_by("-n", "-created_at").first())
print(json.dumps({"cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                  "list": reverse("orders:list"), "tracking": reverse("orders:tracking", args=[order.pk]),
                  "purchase_order": reverse("orders:purchase_order", args=[order.pk]),
                  "dashboard": reverse("dashboard")}))
"""


@dataclass(frozen=True)
class Run:
    rate: float  # requests per second
    median_ms: float


def _database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def _ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _counts(url: str) -> tuple[int, int]:
    """(orders in the table, orders of the big customer), or (-1, -1) before scale data."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM orders_order), "
            "(SELECT count(*) FROM orders_order o JOIN accounts_user u ON u.id = o.account_id "
            "WHERE u.username = 'scale-000001')"
        ).fetchone()
        scale = conn.execute("SELECT count(*) FROM accounts_user WHERE username LIKE 'scale-%%'").fetchone()[0]
    return (row[0], row[1]) if scale else (-1, -1)


def _python(env: dict, *args: str) -> str:
    result = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _manage(env: dict, *args: str) -> str:
    return _python(env, "manage.py", *args)


def _prepare(env: dict, *, customers: int, orders: int, big_orders: int) -> None:
    """Migrations, then the scale data unless this database already holds exactly it."""
    _ensure_database(env["DATABASE_URL"])
    _ensure_database(env["SANDBOX_DATABASE_URL"])
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "migrate", "--database", "sandbox", "--noinput", "-v0")
    counts = _counts(env["DATABASE_URL"])
    if counts == (orders, big_orders):
        print(f"  {urlsplit(env['DATABASE_URL']).path[1:]}: scale data present ({orders} orders)", flush=True)
        return
    if counts != (-1, -1):
        raise SystemExit(
            f"{env['DATABASE_URL']} holds other data ({counts[0]} orders, {counts[1]} for the big customer): "
            "drop that database, or pick another BENCH_DB_NAME."
        )
    started = time.monotonic()
    out = _python(
        env,
        "-m",
        "bench",
        "scale_data",
        f"--customers={customers}",
        f"--orders={orders}",
        f"--big-customer-orders={big_orders}",
    )
    print(f"  {out.strip().splitlines()[-1]} ({time.monotonic() - started:.0f} s with the command)", flush=True)


def _prepare_sqlite(env: dict) -> None:
    """The quick start's database: SQLite files, migrated and seeded with the demo data (seed_demo re-dates it)."""
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "migrate", "--database", "sandbox", "--noinput", "-v0")
    # The demo logins' password is "demo": seed_demo runs only with DEBUG on, as in the quick start.
    _manage({**env, "DJANGO_SETTINGS_MODULE": "controlpanel.settings", "DEBUG": "1"}, "seed_demo")
    _manage(env, "collectstatic", "--noinput", "-v0")


def _wait_until_up(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn on port {port} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10).read()
            return
        except OSError:  # refused, reset or timed out while the workers start
            time.sleep(0.3)
    raise SystemExit(f"gunicorn on port {port} did not answer /health within 60 s")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _check_page(url: str, cookie: str, expected: str) -> None:
    """One request as wrk will send it: a 200 with the page's content, not a redirect to the login page."""
    request = urllib.request.Request(url, headers={"Cookie": cookie, "X-Forwarded-Proto": "https"})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as response:
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        raise SystemExit(f"GET {url} answered {error.code}, not 200") from error
    if status != 200 or expected not in body:
        raise SystemExit(f"GET {url} answered {status} without “{expected}”")


def _wrk(url: str, cookie: str, script: str, seconds: int, *, warm_up: bool = False) -> Run:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", script, "-H", "X-Forwarded-Proto: https"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    result = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result for {url}:\n{result.stdout}\n{result.stderr}")
    requests, duration_us, p50_us, not_ok, errors = (int(x) for x in line.split()[1:])
    if (not_ok or errors or not requests) and not warm_up:  # a cold first request may outlast wrk's 2 s timeout
        raise SystemExit(f"{url}: {not_ok} responses other than 200 and {errors} socket errors in {requests} requests")
    return Run(rate=requests / (duration_us / 1e6), median_ms=p50_us / 1000)


def _start(env: dict, port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [GUNICORN, "controlpanel.wsgi", "-b", f"127.0.0.1:{port}", "--workers", str(WORKERS)],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def run() -> list[Ratio]:
    big_db = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
    var_dir = Path(os.environ.get("VAR_DIR", ROOT / "var" / "bench"))
    var_dir.mkdir(parents=True, exist_ok=True)
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "controlpanel.settings_production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_BASE_URL": "https://127.0.0.1",
        "VAR_DIR": str(var_dir),
    }
    big_env = {**base_env, "DATABASE_URL": _database_url(big_db)}
    small_env = {**base_env, "DATABASE_URL": _database_url(f"{big_db}_small")}
    # The quick start: SQLite, no Redis (each gunicorn worker keeps pages in its own memory), the demo data.
    sqlite_dir = var_dir / "sqlite"
    sqlite_dir.mkdir(exist_ok=True)
    sqlite_env = {
        key: value for key, value in base_env.items() if key not in ("REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL")
    }
    sqlite_env.update(
        {
            "VAR_DIR": str(sqlite_dir),
            "DATABASE_URL": f"sqlite:///{sqlite_dir / 'db.sqlite3'}",
            "SANDBOX_DATABASE_URL": f"sqlite:///{sqlite_dir / 'sandbox.sqlite3'}",
            "BENCH_CUSTOMER": SQLITE_CUSTOMER,
        }
    )
    print("pages: databases and scale data", flush=True)
    _prepare(small_env, customers=1, orders=BIG_ORDERS, big_orders=BIG_ORDERS)
    _prepare(big_env, customers=CUSTOMERS, orders=ORDERS, big_orders=BIG_ORDERS)
    _manage(big_env, "collectstatic", "--noinput", "-v0")
    print("pages: the quick start's SQLite database and demo data", flush=True)
    _prepare_sqlite(sqlite_env)
    pages = {
        name: json.loads(_manage(env, "shell", "-c", SESSION_SCRIPT).strip().splitlines()[-1])
        for name, env in (("big", big_env), ("small", small_env), ("sqlite", sqlite_env))
    }

    rendering = {"ORDER_PAGE_CACHE_SECONDS": "0"}
    ports = (BIG_PORT, RENDERED_BIG_PORT, RENDERED_SMALL_PORT, SQLITE_PORT, RENDERED_SQLITE_PORT)
    servers = [
        _start(big_env, BIG_PORT, var_dir / "gunicorn-big.log"),
        _start({**big_env, **rendering}, RENDERED_BIG_PORT, var_dir / "gunicorn-big-rendered.log"),
        _start({**small_env, **rendering}, RENDERED_SMALL_PORT, var_dir / "gunicorn-small-rendered.log"),
        _start(sqlite_env, SQLITE_PORT, var_dir / "gunicorn-sqlite.log"),
        _start({**sqlite_env, **rendering}, RENDERED_SQLITE_PORT, var_dir / "gunicorn-sqlite-rendered.log"),
    ]
    try:
        for port, proc in zip(ports, servers, strict=True):
            _wait_until_up(port, proc)
        big, rendered_big, rendered_small, sqlite, rendered_sqlite = (f"http://127.0.0.1:{port}" for port in ports)
        lite = pages["sqlite"]
        targets = {
            "baseline": (f"{big}/1.0/auth/time", ""),
            "list": (big + pages["big"]["list"], pages["big"]["cookie"]),
            "tracking": (big + pages["big"]["tracking"], pages["big"]["cookie"]),
            "purchase_order": (big + pages["big"]["purchase_order"], pages["big"]["cookie"]),
            "list_rendered": (rendered_big + pages["big"]["list"], pages["big"]["cookie"]),
            "tracking_rendered": (rendered_big + pages["big"]["tracking"], pages["big"]["cookie"]),
            "purchase_order_rendered": (rendered_big + pages["big"]["purchase_order"], pages["big"]["cookie"]),
            # The cheapest logged-in page, rendered for every request whatever the cache.
            "dashboard_rendered": (rendered_big + pages["big"]["dashboard"], pages["big"]["cookie"]),
            "list_small_rendered": (rendered_small + pages["small"]["list"], pages["small"]["cookie"]),
            **{
                f"{page}_sqlite": (sqlite + lite[page], lite["cookie"])
                for page in ("list", "tracking", "purchase_order")
            },
            **{
                f"{page}_sqlite_rendered": (rendered_sqlite + lite[page], lite["cookie"])
                for page in ("list", "tracking", "purchase_order", "dashboard")
            },
        }
        table = 'class="responsive order-list"'
        expected = {
            "list": table,
            "tracking": "Track order no.",
            "purchase_order": "Purchase order no.",
            "list_rendered": table,
            "tracking_rendered": "Track order no.",
            "purchase_order_rendered": "Purchase order no.",
            "dashboard_rendered": "Most recent order",
            "list_small_rendered": table,
            "list_sqlite": table,
            "tracking_sqlite": "Track order no.",
            "purchase_order_sqlite": "Purchase order no.",
            "list_sqlite_rendered": table,
            "tracking_sqlite_rendered": "Track order no.",
            "purchase_order_sqlite_rendered": "Purchase order no.",
            "dashboard_sqlite_rendered": "Most recent order",
        }
        for name, (url, cookie) in targets.items():
            if name in expected:
                _check_page(url, cookie, expected[name])
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        print(
            f"pages: warm-up, then {ROUNDS} rounds of {len(targets)} × {SECONDS} s (wrk -t1 -c{CONNECTIONS})",
            flush=True,
        )
        for url, cookie in targets.values():
            _wrk(url, cookie, script.name, 2, warm_up=True)
        runs: dict[str, list[Run]] = {name: [] for name in targets}
        for round_number in range(ROUNDS):
            for name, (url, cookie) in targets.items():
                runs[name].append(_wrk(url, cookie, script.name, SECONDS))
            print(
                "  round",
                round_number + 1,
                ", ".join(f"{name} {r[-1].rate:.0f}/s p50 {r[-1].median_ms:.1f} ms" for name, r in runs.items()),
                flush=True,
            )
        os.unlink(script.name)
    finally:
        for proc in servers:
            _stop(proc)

    def throughput(name: str, limit: float, label: str) -> Ratio:
        ratio = statistics.median(p.rate / b.rate for p, b in zip(runs[name], runs["baseline"], strict=True))
        baseline = statistics.median(b.rate for b in runs["baseline"])
        return Ratio(
            label,
            baseline * ratio,
            baseline,
            "req/s",
            limit,
            at_least=True,
            note="median of per-round ratios to GET /1.0/auth/time",
        )

    latency = statistics.median(
        b.median_ms / s.median_ms for b, s in zip(runs["list_rendered"], runs["list_small_rendered"], strict=True)
    )
    small_p50 = statistics.median(s.median_ms for s in runs["list_small_rendered"])
    return [
        # Cache on: a repeated visit to an unchanged page (issue 20's limit).
        throughput("list", 0.40, "Orders list (10 000 orders) vs /1.0/auth/time"),
        throughput("tracking", 0.40, "Order tracking vs /1.0/auth/time"),
        throughput("purchase_order", 0.40, "HTML purchase order vs /1.0/auth/time"),
        # Cache off: the limits issue 20 sets for pages rendered per request.
        throughput("list_rendered", 0.15, "Orders list (10 000 orders), cache off, vs /1.0/auth/time"),
        throughput("tracking_rendered", 0.20, "Order tracking, cache off, vs /1.0/auth/time"),
        throughput("purchase_order_rendered", 0.25, "HTML purchase order, cache off, vs /1.0/auth/time"),
        throughput("dashboard_rendered", 0.30, "Dashboard (never cached) vs /1.0/auth/time"),
        # The quick start: SQLite and the demo data, the same limits.
        throughput("list_sqlite", 0.40, "SQLite: orders list vs /1.0/auth/time"),
        throughput("tracking_sqlite", 0.40, "SQLite: order tracking vs /1.0/auth/time"),
        throughput("purchase_order_sqlite", 0.40, "SQLite: HTML purchase order vs /1.0/auth/time"),
        throughput("list_sqlite_rendered", 0.15, "SQLite: orders list, cache off, vs /1.0/auth/time"),
        throughput("tracking_sqlite_rendered", 0.20, "SQLite: order tracking, cache off, vs /1.0/auth/time"),
        throughput("purchase_order_sqlite_rendered", 0.25, "SQLite: HTML purchase order, cache off, vs /1.0/auth/time"),
        throughput("dashboard_sqlite_rendered", 0.30, "SQLite: dashboard (never cached) vs /1.0/auth/time"),
        Ratio(
            "Orders list p50, rendered: 1 000 000 vs 10 000 orders in the table",
            small_p50 * latency,
            small_p50,
            "ms",
            1.5,
            at_least=False,
            note="median of per-round ratios",
        ),
    ]
