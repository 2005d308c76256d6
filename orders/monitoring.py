"""Are the background workers keeping up? The beat heartbeat, the broker's queue and the refunds at risk.

Beat schedules `beat_heartbeat` every HEARTBEAT_INTERVAL_SECONDS and a worker records it in the
database, so a stale heartbeat means that beat, the broker or every worker stopped, and with them every
sweep (expiry, refund recovery, emails...). A deep queue means the workers do not keep up. Refunds must
be paid by their due date (design.md section 4): those due soon are at risk when either holds or when
they are stuck themselves, and late ones are reported outright. `manage.py check_workers` and
`/health/workers` report this; the README and docs/deployment.md say how to wire them to alerts.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import redis
from celery import current_app
from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone

from .models import Heartbeat, Refund
from .services.refunds import STALE_PENDING, late_refunds

logger = logging.getLogger(__name__)

HEARTBEAT = "beat"
BROKER_TIMEOUT_SECONDS = 2


def heartbeat_record(*, hostname: str, now: datetime | None = None) -> Heartbeat:
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=HEARTBEAT, defaults={"at": now or timezone.now(), "hostname": hostname}
    )
    return heartbeat


def _broker_connection():
    conn = current_app.connection_for_read()
    conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
    return conn


def broker_queue_depth() -> int:
    """Messages waiting in the task queues: Redis lists, or the filesystem broker's files (reserved ones excluded)."""
    with _broker_connection() as conn:
        channel = conn.default_channel
        return sum(channel.queue_declare(queue=name).message_count for name in current_app.amqp.queues)


def broker_eviction_policy() -> str:
    """Redis's maxmemory-policy; "" when the broker is not Redis, "unknown" when CONFIG GET is refused
    (managed Redis services often disable it)."""
    with _broker_connection() as conn:
        if conn.transport.driver_type != "redis":
            return ""
        try:
            policy = conn.default_channel.client.config_get("maxmemory-policy")
        except redis.exceptions.ResponseError:
            return "unknown"
        return policy.get("maxmemory-policy") or "unknown"


def eviction_policy_warning(policy: str) -> str:
    """Why a Redis broker could lose queued tasks, or "": any policy but noeviction may drop its keys."""
    if policy in ("", "noeviction"):
        return ""
    if policy == "unknown":
        return "could not read the broker's Redis maxmemory-policy (CONFIG GET refused): make sure it is noeviction"
    return (
        f"the broker's Redis maxmemory-policy is {policy}: under memory pressure it evicts queued tasks; "
        "set noeviction (deploy/redis.conf)"
    )


def broker_eviction_check() -> str:
    """Log (WARNING) and return the eviction-policy warning; called when a worker starts."""
    try:
        warning = eviction_policy_warning(broker_eviction_policy())
    except Exception as exc:  # the broker is down: the worker says so itself; this check has nothing to add
        logger.info("could not check the broker's eviction policy: %s", exc)
        return ""
    if warning:
        logger.warning(warning, extra={"check": "broker_eviction"})
    return warning


@dataclass(frozen=True)
class WorkersReport:
    checked_at: datetime
    heartbeat_at: datetime | None
    heartbeat_hostname: str
    queue_depth: int | None  # None: the broker did not answer
    eviction_policy: str
    refunds_due_soon: int  # unpaid, due within REFUND_ALERT_HOURS, not late yet
    refunds_stuck: int  # of those, failed or still pending after the sweep's delay
    refunds_late: int
    next_refund_due: date | None
    alerts: dict[str, str] = field(default_factory=dict)  # check -> what is wrong
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.alerts


def workers_check(*, now: datetime | None = None) -> WorkersReport:
    now = now or timezone.now()
    alerts: dict[str, str] = {}
    warnings: list[str] = []

    try:
        depth, policy = broker_queue_depth(), broker_eviction_policy()
    except Exception as exc:  # unreachable broker, refused connection, timeout: all mean "not working"
        depth, policy = None, ""
        alerts["broker"] = f"the broker did not answer: {exc}"
    else:
        if depth > settings.QUEUE_DEPTH_ALERT:
            alerts["queue"] = (
                f"{depth} tasks wait in the broker (alert above {settings.QUEUE_DEPTH_ALERT}): "
                "the workers are not keeping up"
            )
    if warning := eviction_policy_warning(policy):
        warnings.append(warning)

    heartbeat = Heartbeat.objects.filter(name=HEARTBEAT).first()
    limit = settings.HEARTBEAT_STALE_SECONDS
    idle = " (the queue is empty: beat itself is not sending)" if depth == 0 else ""
    if heartbeat is None:
        alerts["heartbeat"] = f"no beat heartbeat recorded: is exactly one celery beat running, with a worker?{idle}"
    elif (age := (now - heartbeat.at).total_seconds()) > limit:
        alerts["heartbeat"] = (
            f"the beat heartbeat is {age:.0f} s old (alert above {limit} s): beat, the broker or every worker "
            f"stopped, and the sweeps with them{idle}"
        )

    late = late_refunds(now=now)
    horizon = (now + timedelta(hours=settings.REFUND_ALERT_HOURS)).date()
    due_soon = Refund.objects.exclude(status=Refund.Status.PAID).filter(due_on__lte=horizon)
    due_soon = due_soon.exclude(pk__in=[refund.pk for refund in late])
    stuck = due_soon.filter(Q(status=Refund.Status.FAILED) | Q(created_at__lt=now - STALE_PENDING)).count()
    soon, next_due = due_soon.count(), due_soon.aggregate(first=Min("due_on"))["first"]
    if late:
        alerts["refunds_late"] = (
            f"{len(late)} refunds are unpaid after their due date (first due {min(r.due_on for r in late)}); "
            "finance has been emailed about each: see Refunds, late, in the admin"
        )
    if soon and (stuck or alerts.keys() & {"broker", "queue", "heartbeat"}):
        why = f"{stuck} of them failed or still wait for a worker" if stuck else "the workers are not keeping up"
        alerts["refunds_at_risk"] = (
            f"{soon} unpaid refunds are due by {horizon} (first {next_due}) and {why}: they could be late"
        )

    return WorkersReport(
        checked_at=now,
        heartbeat_at=heartbeat.at if heartbeat else None,
        heartbeat_hostname=heartbeat.hostname if heartbeat else "",
        queue_depth=depth,
        eviction_policy=policy,
        refunds_due_soon=soon,
        refunds_stuck=stuck,
        refunds_late=len(late),
        next_refund_due=next_due,
        alerts=alerts,
        warnings=warnings,
    )
