"""The backend customers and staff log in with: Django's ModelBackend, with every request's user read along with
its session (core.sessions) or, without it, by a statement written once.

Every logged-in request loads its user: through the ORM, building that query took 0.46 ms of Python for a
tenth of that in PostgreSQL, and read on its own it was a round trip of its own (docs/performance.md). Django's
`get_user` asks `get_user` below for the id the session names, then checks the user as always (active, the
password's hash). ModelBackend stays listed after this one, for the sessions
made before it (a session names the backend that logged it in, and one not listed is logged out); it never
authenticates: a wrong password stops here, so a failed login checks the password once.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from core.raw_sql import Columns, rows
from core.sessions import user_read_with_session

from .models import User

USER = Columns(User, "u")
USER_SQL = f'SELECT {USER.sql} FROM "{User._meta.db_table}" u WHERE u."{User._meta.pk.column}" = %s'


class PanelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied  # not ModelBackend's check again: Django stops and reports the failure
        return user

    def get_user(self, user_id):
        user = user_read_with_session(user_id)
        if user is None:
            found = rows(USER_SQL, [user_id], USER)
            user = found[0][0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None
