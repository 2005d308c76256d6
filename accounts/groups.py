"""Staff groups of the back office and the only permissions each needs (design.md §1).

- **validators** work the manual validation queue: they read orders with their lines, history,
  consent evidence and services, and change orders (validate, request documents, refuse).
- **finance** follows payments: it reads orders, payments and services and changes payments
  (e.g. marks a bank transfer received), follows and retries refunds, reads invoices and credit
  notes, and records withdrawals received by email or letter.

This module is the source of truth: `ensure_staff_groups` creates the groups and sets exactly these
permissions. It runs after every `migrate` (a `post_migrate` receiver in `AccountsConfig.ready`)
and from `seed_demo`. Later features add their permissions here (refunds, invoices…).
"""
from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction

VALIDATORS = "validators"
FINANCE = "finance"

STAFF_GROUPS: dict[str, list[str]] = {
    VALIDATORS: [
        "orders.view_order", "orders.view_orderline", "orders.view_orderevent", "orders.view_consent",
        "orders.view_service", "orders.change_order", "orders.view_supportingdocument",
    ],
    FINANCE: [
        "orders.view_order", "orders.view_payment", "orders.view_service", "orders.change_payment",
        "orders.view_refund", "orders.change_refund", "orders.view_creditnote", "orders.view_invoice",
        "orders.view_withdrawal", "orders.add_withdrawal", "orders.view_refunddestinationchange",
    ],
}


def _tables_exist(using: str) -> bool:
    tables = set(connections[using].introspection.table_names())
    return {Group._meta.db_table, Permission._meta.db_table} <= tables


def ensure_staff_groups(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, Group]:
    """Create the staff groups if needed and give each exactly its permissions; safe to run again.

    The permissions of the apps involved are created first: on a fresh database this can run before
    Django's own post-migrate handler has created them.
    """
    if not router.allow_migrate_model(using, Group) or not _tables_exist(using):
        return {}
    for app_label in sorted({perm.split(".")[0] for perms in STAFF_GROUPS.values() for perm in perms}):
        create_permissions(global_apps.get_app_config(app_label), verbosity=0, interactive=False, using=using)
    groups = {}
    with transaction.atomic(using=using):
        for name, perms in STAFF_GROUPS.items():
            wanted = set(perms)
            found = {
                f"{perm.content_type.app_label}.{perm.codename}": perm
                for perm in Permission.objects.using(using).select_related("content_type").filter(
                    content_type__app_label__in={p.split(".")[0] for p in wanted},
                    codename__in={p.split(".")[1] for p in wanted},
                )
                if f"{perm.content_type.app_label}.{perm.codename}" in wanted
            }
            missing = wanted - set(found)
            if missing:
                raise ImproperlyConfigured(f"Unknown permissions for group {name!r}: {sorted(missing)}")
            group, _created = Group.objects.using(using).get_or_create(name=name)
            group.permissions.set(found.values())
            groups[name] = group
    return groups


def staff_groups_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """`post_migrate` receiver (connected for the accounts app only, so it runs once per migrate)."""
    ensure_staff_groups(using=using)
