"""The benchmark's own task, imported by the bench worker only (`celery worker -I bench.tasks`)."""

from functools import cache

import redis
from celery import shared_task
from django.conf import settings


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


@shared_task(acks_late=True)
def noop(counter: str) -> None:
    """Does nothing but count itself, so that the benchmark sees when the queue is drained."""
    _redis().incr(counter)
