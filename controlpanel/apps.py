"""The project's own app configs: Django's admin on the staff site, the project-wide system checks, and the
Celery tasks of every app registered in every process."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """django.contrib.admin whose default site (admin.site, where every ModelAdmin registers) wants TOTP."""

    default_site = "accounts.two_factor.StaffAdminSite"


class ControlPanelConfig(AppConfig):
    name = "controlpanel"
    verbose_name = "Control panel"

    def ready(self):
        from . import checks  # noqa: F401  (registers the checks)
        from .celery import app

        # Services publish tasks by name (core.publish); a web process imports no task module by itself, so
        # each app's `tasks` module is imported here, as a worker does when it starts.
        app.autodiscover_tasks(force=True)
