"""The beat heartbeat: one row, written by a worker each time beat's `beat_heartbeat` entry fires.

Kept in the database so that every web machine and the `check_workers` command see the same value,
whatever the broker.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField(help_text=_("When a worker last ran the heartbeat task that beat scheduled."))
    hostname = models.CharField(max_length=200, blank=True, help_text=_("The worker that ran it."))

    def __str__(self) -> str:
        return f"{self.name} {self.at.isoformat()}"
