"""The tests hash passwords with MD5 (controlpanel/settings_test.py); production keeps Django's default hasher,
PBKDF2, which this test exercises for real: a user created with it, then logged in through the login form."""

import pytest
from django.conf import global_settings, settings
from django.test import override_settings
from django.urls import reverse

from tests.support.factories import UserFactory


@pytest.mark.django_db
@override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS)  # production's: settings.py sets none
def test_a_user_created_and_logged_in_with_the_production_hasher(client):
    user = UserFactory()
    assert user.password.startswith("pbkdf2_sha256$")

    refused = client.post(reverse("login"), {"username": user.username, "password": "not demo"})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(reverse("login"), {"username": user.username, "password": "demo"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_tests_hash_with_md5():
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
