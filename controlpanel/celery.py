"""The Celery app; its configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlpanel.settings")

app = Celery("controlpanel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task=None, **kwargs) -> None:
    """What Django does around each request, around each task: with CELERY_DB_REUSE_MAX connections outlive
    a task, so one that broke or outlived CONN_MAX_AGE is closed here (the next query opens a new one).
    Not for an eager task, which runs inside its caller's transaction."""
    if task is not None and not task.request.is_eager:
        close_old_connections()
