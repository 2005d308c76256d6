"""SESSION_ENGINE "core.sessions.db": Django's database sessions in core.models.Session, each read with its user
in one statement (core.sessions)."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.utils import timezone

from core.models import Session
from core.raw_sql import instant, rows

from . import SESSION, SESSION_SQL, USER, read_along


class SessionStore(db.SessionStore):
    @classmethod
    def get_model_class(cls):
        return Session

    def create_model_instance(self, data):
        """The row Django writes, with the id of the user the session is logged in as (None: nobody)."""
        session = super().create_model_instance(data)
        session.user_id = data.get(SESSION_KEY)
        return session

    def load(self):
        read_along(None)  # a request without a session read hands on no user
        return super().load()

    def _get_session_from_db(self):
        """The session's row, or None (and no key, as Django's stores forget a key with no live session)."""
        found = rows(SESSION_SQL, [self.session_key, instant(timezone.now())], SESSION, USER)
        if not found:
            self._session_key = None
            return None
        session, user = found[0]
        read_along(user)
        return session
