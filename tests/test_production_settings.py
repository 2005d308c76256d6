"""Production settings (check --deploy clean, loud on missing environment), JSON logs, /health and /ready."""

import json
import logging
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _reset_broker_connections

ROOT = Path(__file__).resolve().parent.parent


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


def test_production_settings_values(tmp_path):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'ssl': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, "
        "'origins': s.CSRF_TRUSTED_ORIGINS, 'static': s.STORAGES['staticfiles']['BACKEND'], "
        "'mailer': s.MAILERS['default']['BACKEND'], 'mail_host': s.MAILERS['default']['OPTIONS']['host'], "
        "'health_checks': s.DATABASES['default']['CONN_HEALTH_CHECKS'], "
        "'permissions': 'controlpanel.middleware.PermissionsPolicyMiddleware' in s.MIDDLEWARE}))"
    )
    env = _production_env(tmp_path, EMAIL_HOST="smtp.example.com")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "debug": False,
        "ssl": True,
        "hsts": 31536000,
        "origins": ["https://panel.example.com"],
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "mailer": "django.core.mail.backends.smtp.EmailBackend",
        "mail_host": "smtp.example.com",
        "health_checks": True,
        "permissions": True,
    }


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


def _use_broker(app, url: str):
    saved = {key: app.conf.get(key) for key in ("broker_url", "broker_transport_options")}
    app.conf.broker_url = url
    app.conf.broker_transport_options = {}
    _reset_broker_connections(app)
    return saved


def _restore_broker(app, saved: dict) -> None:
    for key, value in saved.items():
        app.conf[key] = value
    _reset_broker_connections(app)


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_ready_with_redis(client, redis_url):
    from controlpanel import celery_app

    saved = _use_broker(celery_app, redis_url)
    try:
        response = client.get("/ready")
    finally:
        _restore_broker(celery_app, saved)
    assert response.status_code == 200, response.content
    assert response.json() == {"database": "ok", "sandbox": "ok", "broker": "ok"}


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_ready_is_503_when_the_broker_is_unreachable(client):
    from controlpanel import celery_app

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    saved = _use_broker(celery_app, f"redis://127.0.0.1:{dead_port}/0")
    try:
        response = client.get("/ready")
    finally:
        _restore_broker(celery_app, saved)
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "sandbox": "ok", "broker": "failed"}
