"""`python manage.py check_workers`: are beat and the workers keeping up, and could a refund be late?

Prints the beat heartbeat, the broker's queue depth, the refunds due soon and the broker's Redis eviction
policy; each alert is also logged at ERROR (one JSON line in production) and makes the exit status 1, so
that cron, a systemd timer or any monitoring agent can page on it. Warnings (eviction policy) are logged
at WARNING and leave the status at 0. See orders/monitoring.py and docs/deployment.md, "Monitoring".
"""

import logging

from django.core.management.base import BaseCommand, CommandError

from orders.monitoring import workers_check

logger = logging.getLogger("orders.monitoring")


class Command(BaseCommand):
    help = "Check the beat heartbeat, the broker's queue depth and the refunds due soon; exit 1 on an alert."

    def handle(self, *args, **options):
        report = workers_check()
        heartbeat = (
            f"{report.heartbeat_at.isoformat(timespec='seconds')} by {report.heartbeat_hostname or '?'}"
            if report.heartbeat_at
            else "never"
        )
        queue = "no answer" if report.queue_depth is None else str(report.queue_depth)
        self.stdout.write(f"beat heartbeat: {heartbeat}")
        self.stdout.write(f"broker queue depth: {queue}")
        if report.eviction_policy:
            self.stdout.write(f"broker maxmemory-policy: {report.eviction_policy}")
        self.stdout.write(
            f"refunds: {report.refunds_late} late, {report.refunds_due_soon} due soon"
            f" ({report.refunds_stuck} stuck), next due {report.next_refund_due or '-'}"
        )
        for warning in report.warnings:
            logger.warning(warning, extra={"check": "broker_eviction"})
            self.stdout.write(self.style.WARNING(f"WARNING {warning}"))
        for check, message in report.alerts.items():
            logger.error(message, extra={"check": check})
            self.stdout.write(self.style.ERROR(f"ALERT {check}: {message}"))
        if not report.ok:
            raise CommandError(f"{len(report.alerts)} alert(s): see above", returncode=1)
        self.stdout.write(self.style.SUCCESS("OK"))
