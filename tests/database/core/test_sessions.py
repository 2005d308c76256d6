"""core.sessions: the database sessions read by a statement written once behave as Django's."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.sessions.db import SessionStore
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_logged_in_page_reads_its_session_with_the_statement_written_once(client, settings):
    assert settings.SESSION_ENGINE == "core.sessions.db"
    user = UserFactory()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("dashboard")).status_code == 200
    reads = [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]
    assert len(reads) == 1 and 'FROM "django_session" s WHERE s."session_key" =' in reads[0], reads


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
