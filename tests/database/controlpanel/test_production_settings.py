"""Production settings (check --deploy clean, loud on missing environment), JSON logs, /health and /ready."""

import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support import ROOT
from tests.support.processes import restore_broker, use_broker


def _production_env(tmp_path: Path, **overrides: str | None) -> dict:
    # Only what a production process would have: no DJANGO_ALLOW_ASYNC_UNSAFE etc. from the test run.
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update(
        DJANGO_SETTINGS_MODULE="controlpanel.settings_production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="panel.example.com",
        DATABASE_URL="postgres://root@127.0.0.1:5432/whatever",
        PUBLIC_BASE_URL="https://panel.example.com",
        VAR_DIR=str(tmp_path / "var"),
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_is_clean(tmp_path):
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output and "(security." not in output


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "PUBLIC_BASE_URL"])
def test_refuses_to_start_without_required_environment(tmp_path, missing):
    result = _manage(_production_env(tmp_path, **{missing: None}), "check")
    assert result.returncode != 0
    assert f"{missing} must be set in the environment" in result.stderr


def _settings_values(env: dict, expression: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({expression}, default=str))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_values(tmp_path):
    values = _settings_values(
        _production_env(tmp_path, EMAIL_HOST="smtp.example.com"),
        "{'debug': s.DEBUG, 'ssl': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, "
        "'origins': s.CSRF_TRUSTED_ORIGINS, 'static': s.STORAGES['staticfiles']['BACKEND'], "
        "'mailer': s.MAILERS['default']['BACKEND'], 'mail_host': s.MAILERS['default']['OPTIONS']['host'], "
        "'health_checks': s.DATABASES['default']['CONN_HEALTH_CHECKS'], "
        "'permissions': 'controlpanel.middleware.PermissionsPolicyMiddleware' in s.MIDDLEWARE, "
        "'pool': s.DATABASES['default']['OPTIONS'].get('pool'), "
        "'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE'], "
        "'staff_2fa': s.STAFF_2FA, 'lockout': [s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds()], "
        "'axes': s.MIDDLEWARE[-1], 'cache': s.CACHES['default']['BACKEND']}",
    )
    assert values == {
        "debug": False,
        "ssl": True,
        "hsts": 31536000,
        "origins": ["https://panel.example.com"],
        "static": "core.static_storage.ManifestStaticFilesStorage",
        "mailer": "django.core.mail.backends.smtp.EmailBackend",
        "mail_host": "smtp.example.com",
        "health_checks": True,
        "permissions": True,
        "pool": None,
        "conn_max_age": 60,
        "staff_2fa": True,
        "lockout": [5, 900.0],
        "axes": "axes.middleware.AxesMiddleware",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
    }


def test_a_pool_replaces_persistent_connections_and_redis_shares_the_cache(tmp_path):
    env = _production_env(
        tmp_path, DB_POOL_MAX_SIZE="4", REDIS_URL="redis://redis:6379/0", CACHE_URL="redis://redis:6379/3"
    )
    values = _settings_values(
        env,
        "{'pool': s.DATABASES['default']['OPTIONS'].get('pool'), "
        "'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE'], "
        "'cache': [s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION']]}",
    )
    assert values == {
        "pool": {"min_size": 0, "max_size": 4, "timeout": 10.0},
        "conn_max_age": 0,
        "cache": ["controlpanel.redis_cache.RedisCache", "redis://redis:6379/3"],
    }


def test_the_deploy_check_warns_when_connections_exceed_max_connections(tmp_path):
    sizes = {"WEB_CONCURRENCY": "4", "DB_POOL_MAX_SIZE": "4", "CELERY_WORKER_PROCESSES": "2"}
    too_many = _manage(_production_env(tmp_path, DB_MAX_CONNECTIONS="20", **sizes), "check", "--deploy")
    assert "controlpanel.W001" in too_many.stderr and "may open 18 PostgreSQL connections" in too_many.stderr
    assert "more than the 15 available" in too_many.stderr
    enough = _manage(_production_env(tmp_path, DB_MAX_CONNECTIONS="30", **sizes), "check", "--deploy")
    assert enough.returncode == 0 and "controlpanel.W001" not in enough.stdout + enough.stderr


@pytest.mark.postgres_only
@pytest.mark.django_db(databases=["default", "sandbox"])
def test_the_connections_check_asks_postgresql_for_max_connections(monkeypatch):
    from django.db import connection

    from controlpanel.checks import check_connections_fit_server

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        limit = int(cursor.fetchone()[0])
    monkeypatch.delenv("DB_MAX_CONNECTIONS", raising=False)
    monkeypatch.setenv("CELERY_WORKER_PROCESSES", "1")
    monkeypatch.setenv("WEB_CONCURRENCY", str(limit))  # one connection per web process, per alias
    assert check_connections_fit_server(databases=None) == []  # no database access unless asked
    [warning] = check_connections_fit_server(databases=["default"])
    assert warning.id == "controlpanel.W001" and f"max_connections {limit}" in warning.msg
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    assert check_connections_fit_server(databases=["default"]) == []


def test_json_log_formatter():
    from controlpanel.logging import JSONFormatter

    record = logging.LogRecord("orders.tasks", logging.WARNING, __file__, 1, 'late "refund" %s', ("R-1",), None)
    record.order_id = 42
    line = JSONFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "orders.tasks"
    assert entry["message"] == 'late "refund" R-1'
    assert entry["order_id"] == 42
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "ValueError: boom" in json.loads(JSONFormatter().format(record))["exc_info"]


def test_permissions_policy_header():
    from django.http import HttpResponse

    from controlpanel.middleware import PermissionsPolicyMiddleware

    response = PermissionsPolicyMiddleware(lambda request: HttpResponse())(None)
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=()"


def test_health_needs_no_login_and_no_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_ready_with_the_configured_broker(client):
    response = client.get("/ready")
    assert response.status_code == 200, response.content
    assert response.json() == {"database": "ok", "sandbox": "ok", "broker": "ok"}


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_ready_with_redis(client, redis_url):
    from controlpanel import celery_app

    saved = use_broker(celery_app, redis_url)
    try:
        response = client.get("/ready")
    finally:
        restore_broker(celery_app, saved)
    assert response.status_code == 200, response.content
    assert response.json() == {"database": "ok", "sandbox": "ok", "broker": "ok"}


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_ready_is_503_when_the_broker_is_unreachable(client):
    from controlpanel import celery_app

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    saved = use_broker(celery_app, f"redis://127.0.0.1:{dead_port}/0")
    try:
        response = client.get("/ready")
    finally:
        restore_broker(celery_app, saved)
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "sandbox": "ok", "broker": "failed"}


@pytest.mark.postgres_only
def test_the_pool_lends_one_connection_again_and_again(tmp_path):
    code = (
        "import json, django; django.setup(); from django.db import connection as c\n"
        "for _ in range(3):\n"
        "    with c.cursor() as cursor: cursor.execute('SELECT 1')\n"
        "    c.close()\n"
        "print(json.dumps(c.pool.get_stats()))"
    )
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres").geturl()  # always there
    env = _production_env(tmp_path, DATABASE_URL=url, DB_POOL_MAX_SIZE="4")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout.strip().splitlines()[-1])
    assert (stats["requests_num"], stats["connections_num"], stats["pool_max"]) == (3, 1, 4)


def test_postgresql_statements_are_prepared_unless_turned_off(tmp_path):
    options = "{alias: s.DATABASES[alias]['OPTIONS'] for alias in ('default', 'sandbox')}"
    sandbox = {"SANDBOX_DATABASE_URL": "postgres://root@127.0.0.1:5432/whatever_sandbox"}

    prepared = _settings_values(_production_env(tmp_path, **sandbox), options)
    turned_off = _settings_values(_production_env(tmp_path, **sandbox, DB_PREPARE_THRESHOLD="off"), options)
    quick_start = _settings_values(
        {**_production_env(tmp_path), "DJANGO_SETTINGS_MODULE": "controlpanel.settings", "DATABASE_URL": ""}, options
    )

    for alias in ("default", "sandbox"):
        assert prepared[alias]["server_side_binding"] is True and prepared[alias]["prepare_threshold"] == 5
        assert not {"server_side_binding", "prepare_threshold"} & set(turned_off[alias])
    assert not {"server_side_binding", "prepare_threshold"} & set(quick_start["default"])


def test_a_sqlite_url_gets_the_tuning_of_the_default_file(tmp_path):
    """DATABASE_URL=sqlite:///… shares its file between web, worker and beat as the default file does: WAL,
    IMMEDIATE transactions and a busy timeout, or a checkout under a worker answers "database is locked"."""
    db = tmp_path / "panel.sqlite3"
    env = {
        **_production_env(tmp_path),
        "DJANGO_SETTINGS_MODULE": "controlpanel.settings",
        "DATABASE_URL": f"sqlite:///{db}",
    }
    values = _settings_values(
        env,
        "{alias: [s.DATABASES[alias]['NAME'], s.DATABASES[alias]['OPTIONS'], s.DATABASES[alias]['TEST']['NAME']] "
        "for alias in ('default', 'sandbox')}",
    )
    url_name, url_options, url_test = values["default"]
    file_name, file_options, _file_test = values["sandbox"]  # no SANDBOX_DATABASE_URL: the default file
    assert (url_name, url_test) == (str(db), str(tmp_path / "test_panel.sqlite3"))
    assert file_name == str(tmp_path / "var" / "sandbox.sqlite3")
    assert url_options == file_options
    assert url_options["transaction_mode"] == "IMMEDIATE" and url_options["timeout"] == 20

    code = (
        "import django; django.setup(); from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    print(*(c.execute(f'PRAGMA {p}').fetchone()[0] for p in ('journal_mode', 'busy_timeout')))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000"]


def test_bin_run_derives_the_public_base_url_from_its_port():
    """`PORT=8311 bin/run`: signed API calls and emailed links are built on PUBLIC_BASE_URL, so it follows PORT."""
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}

    def exports(**variables: str) -> str:
        run = subprocess.Popen(
            [str(ROOT / "bin" / "run")],
            env={**env, "RUN_PRINT_ENV": "1", **variables},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = run.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # it went on to start the whole quick start: stop all of it
            os.killpg(run.pid, signal.SIGKILL)
            run.communicate()
            pytest.fail("bin/run ignored RUN_PRINT_ENV and started the quick start")
        assert run.returncode == 0, err
        return out

    assert "PORT=8311 PUBLIC_BASE_URL=http://127.0.0.1:8311" in exports(PORT="8311")
    assert "PORT=8000 PUBLIC_BASE_URL=http://127.0.0.1:8000" in exports()
    assert "PUBLIC_BASE_URL=https://panel.example.com" in exports(
        PORT="8311", PUBLIC_BASE_URL="https://panel.example.com"
    )
