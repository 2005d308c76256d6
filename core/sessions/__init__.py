"""Database sessions read with their user in one statement (SESSION_ENGINE "core.sessions.db").

Every logged-in request reads its session, then its user. Read apart, that was two round trips (from Redis or the
database, then the user's statement), each costing a request about 0.2 ms of client CPU plus the server's
(docs/performance.md). The session table (core.models.Session) keeps the id of the user a session is logged in as,
and one statement reads the live session with that user's row. The session store hands the row on through
`user_read_with_session`, which the login backend (accounts.backends) asks before reading the user itself; Django's
`get_user` still decides, with its own checks (the backend named in the session, the password's hash, an active
account), whether that user is logged in. Writes (a login, a logout, a change) stay Django's.
"""

from contextvars import ContextVar
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Model

from core.models import Session
from core.raw_sql import Columns

SESSION = Columns(Session, "s")
USER = Columns(get_user_model(), "u")
SESSION_SQL = (
    f'SELECT {SESSION.sql}, {USER.sql} FROM "{Session._meta.db_table}" s '
    f'LEFT JOIN "{USER.model._meta.db_table}" u ON u."{USER.model._meta.pk.column}" = s."user_id" '
    'WHERE s."session_key" = %s AND s."expire_date" > %s'
)

# The user row this thread's last session read brought along (None: that read found no user), until the login
# backend takes it. Each read replaces it: a request's user comes from its own session's read.
_read_along: ContextVar[Model | None] = ContextVar("user_read_with_session", default=None)


def read_along(user: Model | None) -> None:
    _read_along.set(user)


def user_read_with_session(user_id) -> Model | None:
    """The user `user_id` if this request's session read brought that row along (taken: asked once), else None."""
    user = _read_along.get()
    if user is None:
        return None
    _read_along.set(None)
    return user if str(user.pk) == str(user_id) else None


def expired_sessions_delete(*, now: datetime) -> int:
    """Delete the sessions expired at `now` (Django reads none of them again); how many were deleted."""
    return Session.objects.filter(expire_date__lte=now).delete()[0]
