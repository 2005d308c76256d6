"""Customer handles are random (two initials, five digits): a new account whose draw is taken draws again."""

import pytest
from django.db import IntegrityError

from accounts.models import User
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def draws(monkeypatch, *numbers):
    """secrets.randbelow as accounts.models calls it, returning `numbers` in turn (a handle is the draw + 10 000)."""
    sequence = iter(numbers)
    monkeypatch.setattr("accounts.models.secrets.randbelow", lambda _limit: next(sequence))


def test_a_taken_handle_is_drawn_again(monkeypatch):
    draws(monkeypatch, 2345, 2345, 6789)
    first = UserFactory(first_name="Ada", last_name="Moore", handle="")
    second = UserFactory(first_name="Alan", last_name="Mills", handle="")
    assert (first.handle, second.handle) == ("am12345-ovh", "am16789-ovh")


def test_another_constraint_is_not_retried_and_names_itself(monkeypatch):
    draws(monkeypatch, 1111, 2222)
    UserFactory(username="taken", handle="")
    with pytest.raises(IntegrityError):
        User.objects.create_user(username="taken", password="x")
    assert User.objects.filter(username="taken").count() == 1
