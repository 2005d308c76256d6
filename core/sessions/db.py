"""SESSION_ENGINE "core.sessions.db": Django's database sessions, read in SQL written once (core.sessions)."""

from django.contrib.sessions.backends import db

from . import ReadInSql


class SessionStore(ReadInSql, db.SessionStore):
    pass
