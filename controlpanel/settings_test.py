"""Test settings: the base settings with a fast password hasher.

Django's default PBKDF2 hasher costs a fraction of a second of CPU per hash by design, and the tests
create users and log in by the thousand; MD5 costs nothing. tests/database/accounts/test_password_hasher.py
keeps one user created and logged in with the production hasher. pytest.ini points pytest here, and the
worker, beat and web server subprocesses that tests start inherit DJANGO_SETTINGS_MODULE.
"""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
