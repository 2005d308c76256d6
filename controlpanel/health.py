"""Liveness and readiness endpoints for load balancers and orchestrators (no login, never cached).

/health: the process answers (no database, no broker): restart it when this fails.
/ready: both database aliases answer a trivial query and the Celery broker accepts a connection:
take the instance out of rotation (503) while this fails.
/health/workers: beat, the workers and the refunds they pay (orders.monitoring), for an external monitor:
503 when `manage.py check_workers` would alert. Not for load balancers: it says nothing about this instance.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from orders.monitoring import workers_check

from .celery import app

logger = logging.getLogger(__name__)

DATABASE_ALIASES = ("default", "sandbox")
BROKER_TIMEOUT_SECONDS = 2


@never_cache
@login_not_required
def health(request):
    return HttpResponse("ok", content_type="text/plain")


def _check_database(alias: str) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_broker() -> None:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)


@never_cache
@login_not_required
def ready(request):
    checks = {alias: (lambda alias=alias: _check_database(alias)) for alias in DATABASE_ALIASES}
    checks["broker"] = _check_broker
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the cause goes to the log
            logger.warning("readiness check %s failed: %s", name, exc, exc_info=True)
            results[name] = "failed"
        else:
            results[name] = "ok"
    body = {"database" if name == "default" else name: status for name, status in results.items()}
    ok = all(status == "ok" for status in body.values())
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@login_not_required
def workers(request):
    """Statuses only; the figures behind them are in `manage.py check_workers` and its logs."""
    alerts = workers_check().alerts
    body = {
        "heartbeat": "stale" if "heartbeat" in alerts else "ok",
        "broker": "failed" if "broker" in alerts else "ok",
        "queue": "deep" if "queue" in alerts else "ok",
        "refunds": "late" if "refunds_late" in alerts else "at_risk" if "refunds_at_risk" in alerts else "ok",
    }
    return JsonResponse(body, status=503 if alerts else 200)
