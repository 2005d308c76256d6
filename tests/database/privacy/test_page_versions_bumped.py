"""Closing an account erases what its pages show of it and deletes its payment methods: it bumps the account's page
version (core.page_versions), in the closure's transaction."""

import pytest

from privacy.closure import account_close
from tests.support.factories import PaymentMethodFactory, UserFactory
from tests.support.page_versions import bumped

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def test_closing_an_account_bumps_it():
    account = UserFactory()
    PaymentMethodFactory(account=account)
    with bumped(accounts=[account.pk]):
        assert account_close(account=account).closed_at is not None
