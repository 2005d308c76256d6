"""Django's PostgreSQL backend with a health check that costs no round trip (ENGINE "core.postgresql").

With CONN_HEALTH_CHECKS, Django checks a persistent connection before the first query of each request by
running `SELECT 1` on it: a statement on every request, about 60 µs of the client's CPU and the server's share
(docs/performance.md). A server that ends a connection (a restart, `pg_terminate_backend`, an
idle timeout) sends its error and closes the socket, which makes the idle socket readable: polling it tells the
same without a round trip. An idle connection has nothing else to read (the panel never LISTENs), and should it
have, the connection is dropped and a new one opened, as after a failed check. A server gone without closing
(a host lost, a cable cut) fails the first query, as it would have failed `SELECT 1`.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        if self.connection.info.transaction_status == TransactionStatus.UNKNOWN:
            return False
        readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        return not readable
