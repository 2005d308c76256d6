"""The orders app's admin, one module per staff role; importing them registers their model admins."""

from . import finance, orders, validation  # noqa: F401
