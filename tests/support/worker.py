"""Waiting on a real Celery worker (tests/conftest.py's ``celery_worker_process``), and cleaning up after one killed."""

import re
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.processes import start_worker

WAIT_SECONDS = 30


def wait_until(predicate, *, worker, what: str, timeout: float = WAIT_SECONDS):
    """Poll the database (or anything) until `predicate()` is truthy; fail with the worker's log otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        log = worker.log_text()
        if " raised unexpected: " in log:  # no point waiting: a task failed in the worker
            pytest.fail(f"a task failed in the worker while waiting for {what}; worker log:\n{log}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}; worker log:\n{log}")
        time.sleep(0.1)


def wait_for_task(worker, result, *, timeout: float = WAIT_SECONDS) -> str:
    """Wait until the worker logged that this task invocation succeeded; returns the repr of its return value."""
    succeeded = re.compile(rf"\[{re.escape(result.id)}\] succeeded in [^:]*: (.*)$", re.MULTILINE)
    failed = re.compile(rf"\[{re.escape(result.id)}\] (raised|retry)")

    def done():
        text = worker.log_text()
        if failed.search(text):
            pytest.fail(f"task {result.id} failed in the worker:\n{text}")
        match = succeeded.search(text)
        return match and match.group(1).strip()

    return wait_until(done, worker=worker, what=f"task {result.id} to succeed", timeout=timeout)


@contextmanager
def another_worker(first, tmp_path: Path):
    """A second ``celery worker`` like conftest's, with the environment and modules `first` was started with."""
    with start_worker(env=first.env, logdir=tmp_path, include=first.include) as worker:
        yield worker


def forget_unacked(redis_url: str, tags) -> None:
    """Remove the killed worker's orphaned message, so that no later run on this Redis database gets it."""
    import redis
    from kombu.transport.redis import Channel

    client = redis.Redis.from_url(redis_url)
    for tag in tags:
        client.hdel(Channel.unacked_key, tag)
        client.zrem(Channel.unacked_index_key, tag)
