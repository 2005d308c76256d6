"""A system check Django has no equivalent of: do the processes' database connections fit PostgreSQL's limit?

Needed, per PostgreSQL server (the default alias's, and every alias on the same host and port):
aliases × (web machines × WEB_CONCURRENCY × connections per web process + worker machines ×
CELERY_WORKER_PROCESSES). A web process holds up to its pool's max_size per alias (one without a pool);
a Celery worker process one (it runs one task at a time); beat none. The
limit is DB_MAX_CONNECTIONS, else the server's `SHOW max_connections` when the check runs with
`--database default` (as migrate runs it), less DB_RESERVED_CONNECTIONS for superusers and people.
"""

import os

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError, connections

POSTGRESQL = ("core.postgresql", "django.db.backends.postgresql")  # the settings name the first


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


def _same_server(alias: dict, default: dict) -> bool:
    return alias["ENGINE"] in POSTGRESQL and (alias.get("HOST"), alias.get("PORT")) == (
        default.get("HOST"),
        default.get("PORT"),
    )


def connections_needed() -> int:
    """What every process together may open on the default alias's PostgreSQL server at once."""
    default = settings.DATABASES["default"]
    needed = 0
    for alias in settings.DATABASES.values():
        if not _same_server(alias, default):
            continue
        pool = (alias.get("OPTIONS") or {}).get("pool")
        per_web_process = pool.get("max_size", 1) if isinstance(pool, dict) else 1
        web = _env_int("WEB_MACHINES", 1) * _env_int("WEB_CONCURRENCY", 1) * per_web_process
        workers = _env_int("WORKER_MACHINES", 1) * _env_int("CELERY_WORKER_PROCESSES", os.cpu_count() or 1)
        needed += web + workers
    return needed


def _warnings(limit: int) -> list:
    available = limit - _env_int("DB_RESERVED_CONNECTIONS", 5)
    needed = connections_needed()
    if needed <= available:
        return []
    return [
        Warning(
            f"The processes may open {needed} PostgreSQL connections at once, more than the {available} available "
            f"(max_connections {limit} less DB_RESERVED_CONNECTIONS).",
            hint="Lower DB_POOL_MAX_SIZE, WEB_CONCURRENCY or CELERY_WORKER_PROCESSES, or raise max_connections; "
            "WEB_MACHINES and WORKER_MACHINES say how many machines run each.",
            id="controlpanel.W001",
        )
    ]


def _postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] in POSTGRESQL


@register("connections")
def check_connections_fit_setting(app_configs=None, **kwargs):
    """Against DB_MAX_CONNECTIONS, when set: no database access, so plain `check --deploy` runs it."""
    if not _postgresql() or not os.environ.get("DB_MAX_CONNECTIONS"):
        return []
    return _warnings(_env_int("DB_MAX_CONNECTIONS", 100))


@register(Tags.database)
def check_connections_fit_server(app_configs=None, databases=None, **kwargs):
    """Against the server's max_connections: Django runs database checks only with --database (and migrate)."""
    if not _postgresql() or os.environ.get("DB_MAX_CONNECTIONS") or "default" not in (databases or ()):
        return []
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SHOW max_connections")
            limit = int(cursor.fetchone()[0])
    except (DatabaseError, ValueError, TypeError):
        return []  # an unreachable database is for Django's own checks and /ready to report
    return _warnings(limit)
