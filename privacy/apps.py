from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The customer's data export and account closure: above accounts, orders and api, since they read them all."""

    name = "privacy"
    verbose_name = _("Privacy")
