"""The page versions' bumps (core.page_versions, orders.page_versions) on the test database's engine."""

import pytest
from django.db import transaction

from core.page_versions import account_pages_changed, reference_pages_changed
from orders.page_versions import order_pages_changed
from tests.support.factories import UserFactory, place_order
from tests.support.page_versions import account_version, order_versions, reference_version

pytestmark = pytest.mark.django_db


def test_an_order_bump_bumps_the_order_and_its_account_once_each():
    order = place_order(account=UserFactory())
    other = place_order(account=order.account)
    before, other_before = order_versions(order), order_versions(other)
    order_pages_changed(order_ids=[order.pk, order.pk])
    assert order_versions(order) == (before[0] + 1, before[1] + 1)
    assert order_versions(other)[0] == other_before[0]  # another order of the account: only the account moved
    order_pages_changed(order_ids=[order.pk, other.pk])  # two orders of one account: the account counts once
    assert order_versions(order) == (before[0] + 2, before[1] + 2)


def test_account_and_reference_bumps_and_empty_calls():
    account = UserFactory()
    account_pages_changed(account_ids=[])
    order_pages_changed(order_ids=[])
    assert account_version(account.pk) == 0
    account_pages_changed(account_ids=[account.pk, account.pk])
    assert account_version(account.pk) == 1
    reference = reference_version()
    reference_pages_changed()
    assert reference_version() == reference + 1


def test_a_bump_rolled_back_with_its_write_leaves_the_version():
    account = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        account_pages_changed(account_ids=[account.pk])
        raise RuntimeError
    assert account_version(account.pk) == 0
