"""A real `celery beat` with the static schedule from settings drives a real worker: the expiry sweep runs
by itself, one interval after beat starts (EXPIRY_SWEEP_SECONDS, here 2 s rather than production's minute),
with nobody calling a task."""

import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import CancelReason, Order, OrderStatus
from tests.support import ROOT
from tests.support.factories import place_order
from tests.support.processes import stop

pytestmark = [pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])]


def test_beat_schedules_the_expiry_sweep_on_its_own(celery_worker_process, tmp_path):
    stale = place_order(now=timezone.now() - timedelta(days=8))
    fresh = place_order()
    log = tmp_path / "beat.log"
    with log.open("wb") as out:
        beat = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "controlpanel",
                "beat",
                "--loglevel=INFO",
                "-s",
                str(tmp_path / "beat-schedule"),
            ],
            cwd=ROOT,
            env={**celery_worker_process.env, "EXPIRY_SWEEP_SECONDS": "2"},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60  # the sweep's interval is 2 s; beat itself takes a few to start
        while time.monotonic() < deadline and Order.objects.get(pk=stale.pk).status == OrderStatus.NOT_PAID:
            assert beat.poll() is None, log.read_text(errors="replace")
            time.sleep(0.2)
    finally:
        stop(beat, signal.SIGTERM)
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, stale.cancel_reason) == (OrderStatus.CANCELLED, CancelReason.EXPIRED), log.read_text()
    assert fresh.status == OrderStatus.NOT_PAID
    assert "orders.tasks.expire_unpaid_orders" in log.read_text(errors="replace")
