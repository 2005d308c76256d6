"""Smoke tests for the celery_worker_process fixture: a real worker, a real broker, the test databases."""

import json
import time
import uuid

import pytest
from celery import shared_task
from kombu import Connection

from controlpanel import celery_app

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]


@shared_task(name="tests.worker_probe")
def worker_probe(group_name: str, out_path: str) -> None:
    """Test-only task (loaded into the worker with --include): reports what the worker's database holds."""
    from django.contrib.auth.models import Group
    from django.db import connection

    with open(out_path, "w") as out:
        json.dump(
            {"seen": Group.objects.filter(name=group_name).exists(), "db": str(connection.settings_dict["NAME"])}, out
        )


@pytest.fixture
def celery_worker_include():
    return [__name__]


def test_worker_answers_ping_through_the_test_broker(celery_worker_process, redis_url):
    replies = celery_app.control.ping(destination=[celery_worker_process.hostname], timeout=5)

    assert replies == [{celery_worker_process.hostname: {"ok": "pong"}}]
    assert f"Connected to {Connection(redis_url).as_uri()}" in celery_worker_process.log_text()  # as Celery masks it


def test_worker_sees_rows_committed_by_the_test(celery_worker_process, tmp_path):
    from django.contrib.auth.models import Group
    from django.db import connection

    name = f"probe-{uuid.uuid4().hex[:8]}"
    Group.objects.create(name=name)
    out = tmp_path / "probe.json"

    worker_probe.delay(name, str(out))

    deadline = time.monotonic() + 20
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert out.exists(), f"the worker did not run the task:\n{celery_worker_process.log_text()}"
    time.sleep(0.1)  # let the worker finish writing
    assert json.loads(out.read_text()) == {"seen": True, "db": str(connection.settings_dict["NAME"])}
