"""The provisioning interface: how a delivered line becomes a running service, and goes away.

The sandbox implementation creates nothing outside the database; a real one would call the
infrastructure. It is chosen by settings.PROVISIONER (a dotted path).
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .models import OrderLine, Service


@dataclass(frozen=True)
class Provisioned:
    name: str
    access_details: dict


class Provisioner(Protocol):
    def provision(self, *, line: OrderLine) -> Provisioned:
        """Create the line's service, or for a renewal line make sure its (possibly suspended) service runs."""
        ...

    def suspend(self, *, service: Service) -> None: ...

    def delete(self, *, service: Service) -> None: ...


class SandboxProvisioner:
    """Delivers every line at once; names look like OVHcloud's service names."""

    def provision(self, *, line: OrderLine) -> Provisioned:
        # Derived from the line alone, so a retried delivery finds the same service.
        name = f"{line.plan.family.lower()}-{line.order_id}-{line.group}.sandbox"
        return Provisioned(name=name, access_details={"host": name, "login": "root"})

    def suspend(self, *, service: Service) -> None:
        return None

    def delete(self, *, service: Service) -> None:
        return None


def get_provisioner() -> Provisioner:
    return import_string(getattr(settings, "PROVISIONER", "orders.provisioning.SandboxProvisioner"))()
