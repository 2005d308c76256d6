from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .groups import staff_groups_after_migrate

        post_migrate.connect(staff_groups_after_migrate, sender=self, dispatch_uid="accounts.staff_groups")
