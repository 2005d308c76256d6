"""Django's database sessions, read by a statement written once (SESSION_ENGINE "core.sessions.db", and
"core.sessions.cached_db" in front of Redis).

Every logged-in request reads its session. Django's stores read it with `Session.objects.get(...)`, whose query the
ORM builds and compiles again each time: about 0.2 ms of Python for a lookup by primary key that SQLite answers in
a few microseconds (docs/performance.md), on every page of the quick start and, with Redis, on every cache miss.
Writes (a login, a logout, a change) stay Django's.
"""

from django.contrib.sessions.models import Session
from django.utils import timezone

from core.raw_sql import Columns, instant, rows

SESSION = Columns(Session, "s")
SESSION_SQL = (
    f'SELECT {SESSION.sql} FROM "{Session._meta.db_table}" s WHERE s."session_key" = %s AND s."expire_date" > %s'
)


class ReadInSql:
    """The session's row, or None (and no key, as Django's stores forget a key with no live session)."""

    def _get_session_from_db(self):
        found = rows(SESSION_SQL, [self.session_key, instant(timezone.now())], SESSION)
        if not found:
            self._session_key = None
            return None
        return found[0][0]
