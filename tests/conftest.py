"""Shared fixtures. Tests use the real database; both aliases, since payments touch the sandbox ledger.

What is here besides the sandbox speed-up:

* ``postgres_only`` marker: the test is skipped on SQLite (it needs PostgreSQL row locks). With
  ``CI_REQUIRE_POSTGRES=1`` (set by .ci/run) such a skip fails the whole run, and so does a
  default database that is not PostgreSQL.
* ``redis_url`` (session): REDIS_URL from the environment, else a private redis-server on a free
  127.0.0.1 port, stopped at the end of the session.
* ``celery_worker_process`` (opt-in): a real ``celery worker`` subprocess on the test databases and
  the ``redis_url`` broker; this process's Celery app publishes to that broker meanwhile. Tests need
  ``@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])`` so that what they
  write is committed and visible to the worker. Override the ``celery_worker_include`` fixture
  to make the worker import extra modules (e.g. test-only tasks).
* Playwright: DJANGO_ALLOW_ASYNC_UNSAFE only; the browser tier's fixtures are in tests/browser/conftest.py.
* ``--clock INSTANT``: the tests run at another time of day or year, e.g. just before midnight UTC, when it
  is already tomorrow in Paris (see the README).
"""

import os
from datetime import datetime

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's `page` + the ORM in one test

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.processes import free_port, redis_answers, reset_broker_connections, start_worker, stop

POSTGRES_ONLY_REASON = "needs PostgreSQL row locks (SQLite ignores SELECT FOR UPDATE)"


@pytest.fixture(autouse=True)
def _fast_sandbox(settings):
    settings.SANDBOX_DELIVERY_SECONDS = 0


@pytest.fixture(autouse=True)
def _default_language():
    """A request leaves its language active in the thread (LocaleMiddleware): each test starts in the default."""
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and kept pages live in the cache, and kept pages in the process's copies of them
    (orders.views.kept_pages): each test starts with none."""
    from django.core.cache import cache

    from orders.views import kept_pages

    cache.clear()
    kept_pages.clear()


@pytest.fixture(autouse=True)
def _subsidiaries(request):
    """Reference data from the data migration, reloaded after a transactional test's flush removed it."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or "default" not in (marker.kwargs.get("databases") or ["default"]):
        return
    transactional = marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    request.getfixturevalue("transactional_db" if transactional else "db")
    from accounts.models import Subsidiary
    from accounts.subsidiaries import seller_values, subsidiary_rows

    if not Subsidiary.objects.exists():  # with their sellers (accounts' migration 0006), bank details included
        Subsidiary.objects.bulk_create(Subsidiary(**row, **seller_values(row["code"])) for row in subsidiary_rows())


# --- postgres_only ---------------------------------------------------------------------------------


def _default_engine() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"]


def _ci_requires_postgres() -> bool:
    return os.environ.get("CI_REQUIRE_POSTGRES", "").strip().lower() in {"1", "true", "yes", "on"}


_skipped_postgres_only: list[str] = []


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="INSTANT",
        help="run with this process's clock set to an ISO instant, ticking from there (e.g. 2026-12-31T23:30:00+00:00, "
        "when the server's date and the subsidiaries' differ); subprocesses (workers, servers, browsers) keep the real "
        "time, so leave out -m integration and browser",
    )


def pytest_configure(config):
    if _ci_requires_postgres() and "postgresql" not in _default_engine():
        raise pytest.UsageError(
            f"CI_REQUIRE_POSTGRES=1 but the default database is {_default_engine()}; set DATABASE_URL to PostgreSQL"
        )
    if instant := config.getoption("clock"):
        import time_machine

        traveller = time_machine.travel(datetime.fromisoformat(instant), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


TIERS = {"integration": pytest.mark.integration, "browser": pytest.mark.browser}  # tests/<tier>/ gets the mark


def pytest_collection_modifyitems(items):
    for item in items:
        tier = Path(item.path).relative_to(ROOT / "tests").parts[0]
        if tier in TIERS:
            item.add_marker(TIERS[tier])


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres_only") and "sqlite" in _default_engine():
        pytest.skip(POSTGRES_ONLY_REASON)


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail") and "postgres_only" in report.keywords:
        _skipped_postgres_only.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _ci_requires_postgres() and _skipped_postgres_only and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _ci_requires_postgres() and _skipped_postgres_only:
        terminalreporter.section("postgres_only tests skipped under CI_REQUIRE_POSTGRES=1", sep="=", red=True)
        for nodeid in _skipped_postgres_only:
            terminalreporter.line(f"SKIPPED (counts as a failure): {nodeid}", red=True)


# --- Redis -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """REDIS_URL if set, else a private redis-server for this session (nothing kept on disk)."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = shutil.which("redis-server")
    if not server:
        pytest.fail("redis-server not found; run bin/install (or set REDIS_URL)")
    workdir = tmp_path_factory.mktemp("redis")
    last_error = ""
    for _attempt in range(3):  # the free port may be taken between looking and binding
        port = free_port()
        url = f"redis://127.0.0.1:{port}/0"
        logfile = workdir / f"redis-{port}.log"
        proc = subprocess.Popen(
            [
                server,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(workdir),
                "--pidfile",
                str(workdir / f"redis-{port}.pid"),
                "--logfile",
                str(logfile),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None and not redis_answers(url):
            time.sleep(0.05)
        if proc.poll() is None and redis_answers(url):
            break
        stop(proc)
        last_error = (proc.stderr.read().decode(errors="replace") if proc.stderr else "") + (
            logfile.read_text(errors="replace") if logfile.exists() else ""
        )
    else:
        pytest.fail(f"could not start a private redis-server:\n{last_error}")
    try:
        yield url
    finally:
        stop(proc)


# --- A real Celery worker --------------------------------------------------------------------------


@pytest.fixture
def celery_worker_include():
    """Extra modules the worker imports (``--include``); override in a test module."""
    return []


@pytest.fixture
def celery_worker_env():
    """Variables the worker gets over this process's environment; override in a test module."""
    return {}


@pytest.fixture
def celery_worker_process(request, redis_url, django_db_setup, tmp_path, celery_worker_include, celery_worker_env):
    """A real ``celery worker --pool=solo`` on the test databases and the ``redis_url`` broker.

    The worker gets this process's environment plus DJANGO_TEST_DATABASES=1 (settings then name the
    databases pytest-django created: var/test_*.sqlite3 on SQLite, test_<name> on PostgreSQL) and
    REDIS_URL=redis_url, then ``celery_worker_env``. It is stopped (SIGTERM, warm shutdown) before the
    test's database flush.
    """
    from controlpanel import celery_app

    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    if not (transactional or {"transactional_db", "live_server"} & set(request.fixturenames)):
        pytest.fail(
            "celery_worker_process needs @pytest.mark.django_db(transaction=True, databases=[...]):"
            " the worker only sees committed data"
        )
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.fail("celery_worker_process does not support pytest-xdist (the worker would miss the _gwN suffix)")

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],  # pytest.ini's, set by pytest-django
        "DJANGO_TEST_DATABASES": "1",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        **celery_worker_env,
    }
    env.pop("CELERY_BROKER_URL", None)  # Celery reads it from the environment over the settings
    # This process's app publishes to the same broker meanwhile (its conf was read once, at import).
    saved = {key: celery_app.conf.get(key) for key in ("broker_url", "broker_transport_options")}
    celery_app.conf.broker_url = redis_url
    celery_app.conf.broker_transport_options = {}
    reset_broker_connections(celery_app)
    try:
        with start_worker(env=env, logdir=tmp_path, include=celery_worker_include) as worker:
            yield worker  # stopped (warm shutdown) on leaving, before the test database is flushed
    finally:
        for key, value in saved.items():
            celery_app.conf[key] = value
        reset_broker_connections(celery_app)


# --- Celery in unit tests ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _celery_eager_unless_integration(request):
    """Unit tests run tasks in-process when their on-commit callbacks fire; integration tests use a real worker."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    from controlpanel import celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


# --- Publishing ----------------------------------------------------------------------------------------


@pytest.fixture
def published(monkeypatch):
    """Tasks the code publishes (core.publish), recorded here instead of sent: [(task name, args), …]."""
    sent: list[tuple[str, tuple]] = []
    monkeypatch.setattr("core.publish.publish", lambda task_name, *args, countdown=None: sent.append((task_name, args)))
    return sent
