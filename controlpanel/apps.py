"""The project's own app configs: Django's admin on the staff site, and the project-wide system checks."""

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
