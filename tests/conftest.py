"""Shared fixtures. Tests use the real database; both aliases, since payments touch the sandbox ledger."""
import pytest


@pytest.fixture(autouse=True)
def _fast_sandbox(settings):
    settings.SANDBOX_DELIVERY_SECONDS = 0
