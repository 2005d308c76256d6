"""SESSION_ENGINE "core.sessions.cached_db": Django's cached database sessions, read from the database (on a
cache miss) in SQL written once (core.sessions)."""

from django.contrib.sessions.backends import cached_db

from . import ReadInSql


class SessionStore(ReadInSql, cached_db.SessionStore):
    pass
