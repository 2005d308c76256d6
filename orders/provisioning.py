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

    def domain_available(self, *, name: str) -> bool:
        """The registry's answer for a well-formed domain name: can it be registered?"""
        ...

    def suspend(self, *, service: Service) -> None: ...

    def delete(self, *, service: Service) -> None: ...


# The sandbox registry's rule, deterministic so that tests and demos can count on it: a name is taken when one of
# its labels contains "taken", or when its first label is one of these.
SANDBOX_RESERVED_LABELS = frozenset({"example", "localhost", "invalid", "test", "nic", "www"})


class SandboxProvisioner:
    """Delivers every line at once; names look like OVHcloud's service names, a domain is named as chosen."""

    def provision(self, *, line: OrderLine) -> Provisioned:
        if line.domain:
            return Provisioned(name=line.domain, access_details={"domain": line.domain})
        # Derived from the line alone, so a retried delivery finds the same service.
        name = f"{line.plan.family.lower()}-{line.order_id}-{line.group}.sandbox"
        return Provisioned(name=name, access_details={"host": name, "login": "root"})

    def domain_available(self, *, name: str) -> bool:
        labels = name.split(".")
        return labels[0] not in SANDBOX_RESERVED_LABELS and not any("taken" in label for label in labels)

    def suspend(self, *, service: Service) -> None:
        return None

    def delete(self, *, service: Service) -> None:
        return None


def get_provisioner() -> Provisioner:
    return import_string(getattr(settings, "PROVISIONER", "orders.provisioning.SandboxProvisioner"))()
