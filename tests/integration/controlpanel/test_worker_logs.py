"""A worker under the production settings logs JSON lines, as docs/deployment.md promises: Celery must not
replace the root logger's handlers with its plain-text ones (CELERY_WORKER_HIJACK_ROOT_LOGGER)."""

import json
import re

import pytest

from orders.models import Heartbeat
from tests.support.worker import wait_for_task

pytestmark = [
    pytest.mark.postgres_only,  # production settings need a DATABASE_URL: PostgreSQL
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]
PLAIN_TEXT_RECORD = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+: [A-Z]+/")  # Celery's own format


@pytest.fixture
def celery_worker_env():
    """controlpanel.settings_production, with the variables it requires (the databases stay the test run's)."""
    return {
        "DJANGO_SETTINGS_MODULE": "controlpanel.settings_production",
        "SECRET_KEY": "a-production-like-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "panel.example.com",
        "PUBLIC_BASE_URL": "https://panel.example.com",
    }


def test_a_production_worker_logs_one_json_object_per_line(celery_worker_process):
    from orders.tasks import beat_heartbeat

    worker = celery_worker_process
    wait_for_task(worker, beat_heartbeat.delay())
    assert Heartbeat.objects.exists()

    lines = worker.log_text().splitlines()
    assert not [line for line in lines if PLAIN_TEXT_RECORD.match(line)], worker.log_text()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    messages = {(record["logger"], record["message"].split("[")[0]) for record in records}
    assert ("celery.apps.worker", f"{worker.hostname} ready.") in messages, records
    assert ("celery.worker.strategy", "Task orders.tasks.beat_heartbeat") in messages, records
    assert ("celery.app.trace", "Task orders.tasks.beat_heartbeat") in messages, records
    assert all(record["level"] and record["time"] for record in records)
