"""core.sessions: database sessions read with their user in one statement, and otherwise Django's."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.backends import PanelBackend
from accounts.models import User
from core.models import Session
from core.sessions import user_read_with_session
from core.sessions.db import SessionStore
from core.tasks import delete_expired_sessions
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_logged_in_page_reads_its_session_and_its_user_in_one_statement(client, settings):
    assert settings.SESSION_ENGINE == "core.sessions.db"
    user = UserFactory()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200 and response.context["user"] == user
    sessions = [q["sql"] for q in captured.captured_queries if "core_session" in q["sql"]]
    assert len(sessions) == 1 and 'LEFT JOIN "accounts_user" u ON u."id" = s."user_id"' in sessions[0], sessions
    users = [q["sql"] for q in captured.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    assert users == [], "the user came with the session"


def test_a_login_and_a_logout_keep_the_sessions_user_id(client):
    user = UserFactory()
    user.set_password("a long enough password")
    user.save()
    response = client.post(reverse("login"), {"username": user.username, "password": "a long enough password"})
    assert response.status_code == 302
    assert Session.objects.get(session_key=client.session.session_key).user_id == user.pk
    client.logout()
    assert not Session.objects.filter(user_id=user.pk).exists()


def test_an_anonymous_session_has_no_user():
    store = SessionStore()
    store["cart"] = 42
    store.create()
    assert Session.objects.get(session_key=store.session_key).user_id is None
    assert SessionStore(store.session_key).load() == {"cart": 42}


def test_the_user_read_along_is_checked_by_django_as_a_user_read_alone(client):
    """The statement brings the row; Django's `get_user` still refuses an inactive account and a changed password."""
    inactive, changed = UserFactory(), UserFactory()
    client.force_login(inactive)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    assert client.get(reverse("dashboard")).status_code == 302  # to the login page
    client.force_login(changed)
    User.objects.filter(pk=changed.pk).update(password="pbkdf2_sha256$1$salt$other")
    assert client.get(reverse("dashboard")).status_code == 302


def test_the_user_the_session_names_is_the_one_logged_in(client):
    """The row's `user_id` only joins: a row that disagrees with its data reads the user the data names."""
    user, other = UserFactory(), UserFactory()
    client.force_login(user)
    Session.objects.filter(user_id=user.pk).update(user_id=other.pk)
    assert client.get(reverse("dashboard")).context["user"] == user


def test_a_session_whose_user_is_deleted_logs_out(client):
    user = UserFactory()
    client.force_login(user)
    user.delete()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_user_read_along_is_handed_on_once_and_only_for_its_id():
    user = UserFactory()
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store.create()
    SessionStore(store.session_key).load()
    assert user_read_with_session(user.pk + 1) is None  # another id: not this row
    SessionStore(store.session_key).load()
    assert user_read_with_session(user.pk) == user
    assert user_read_with_session(user.pk) is None  # taken
    SessionStore(store.session_key).load()
    SessionStore().load()  # a request without a session key reads nothing and hands on nothing
    assert user_read_with_session(user.pk) is None


def test_the_backend_reads_the_user_itself_without_a_session_read(django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(1):
        assert PanelBackend().get_user(user.pk) == user


def test_an_expired_session_logs_out(client):
    client.force_login(UserFactory())
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_stored_session_is_read_back_and_an_unknown_key_gives_none():
    store = SessionStore()
    store[SESSION_KEY] = "42"
    store.create()
    assert SessionStore(store.session_key).load() == {SESSION_KEY: "42"}
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_the_migration_copies_the_live_sessions_of_djangos_table_with_their_users():
    copy_live_sessions = import_module("core.migrations.0003_sessions_with_user").copy_live_sessions
    user = UserFactory()
    logged_in, anonymous, expired = DjangoStore(), DjangoStore(), DjangoStore()
    logged_in[SESSION_KEY] = str(user.pk)
    anonymous["cart"] = 1
    for store in (logged_in, anonymous, expired):
        store.create()
    DjangoSession.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now())
    copy_live_sessions(apps, None)
    copied = dict(Session.objects.values_list("session_key", "user_id"))
    assert copied == {logged_in.session_key: user.pk, anonymous.session_key: None}
    assert SessionStore(logged_in.session_key).load() == {SESSION_KEY: str(user.pk)}


def test_the_nightly_sweep_deletes_the_expired_sessions_only(settings):
    live, expired = SessionStore(), SessionStore()
    for store in (live, expired):
        store[SESSION_KEY] = "42"
        store.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now())
    assert delete_expired_sessions() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert delete_expired_sessions() == 0
    assert settings.CELERY_BEAT_SCHEDULE["delete-expired-sessions"]["task"] == "core.tasks.delete_expired_sessions"
