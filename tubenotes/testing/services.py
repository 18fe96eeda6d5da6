"""Throwaway databases on the local PostgreSQL and Redis, for tests and benchmarks.

Each one is made for its user alone and removed after, so that runs at the
same time on one machine never see each other's jobs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

# Trust authentication on the local server, as `.ci/run` sets it up; override to point elsewhere.
POSTGRES_ADMIN_URL = os.environ.get("TUBENOTES_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TUBENOTES_TEST_REDIS", "redis://127.0.0.1:6379")
# Redis has 16 numbered databases by default; 0 is left to whatever else runs on the machine.
_REDIS_DATABASES = range(1, 16)


@contextmanager
def postgres_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = f"tubenotes_test_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def redis_database() -> Iterator[str]:
    """The URL of an empty Redis database number, claimed for this user and emptied afterwards."""
    import redis

    token = secrets.token_hex(8)
    for number in _REDIS_DATABASES:
        client = redis.Redis.from_url(f"{REDIS_URL}/{number}")
        # An empty database whose claim key this user set first is this user's alone.
        if client.dbsize() == 0 and client.set("tubenotes-test-claim", token, nx=True):
            try:
                yield f"{REDIS_URL}/{number}"
            finally:
                client.flushdb()
                client.close()
            return
        client.close()
    raise RuntimeError(f"no empty Redis database at {REDIS_URL} (numbers {_REDIS_DATABASES.start}-"
                       f"{_REDIS_DATABASES.stop - 1} are all in use)")
