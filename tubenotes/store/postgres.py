"""The job store in PostgreSQL, shared by every machine of a distributed batch.

The same semantics as the SQLite store in the vault (jobs, run settings, exit
node statistics, the generation cache), safe for many processes and threads
at once. Each thread has its own connection: a thread waiting for an LLM
answer holds a lock on its connection and must not block the others.

Two workers that need the same answer at once pay for it once: the first takes
a session-level advisory lock on the answer's key while it computes, the second
waits on that lock and then reads the stored answer. A worker killed while
computing loses its connection, and PostgreSQL releases its lock with it.

The vault's own records (hashes of written files for the user-edit guard) are
not here: they stay in the vault's SQLite store, with the vault.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tubenotes.errors import ConfigurationError, StoreUnreachable
from tubenotes.job import Generation, ProcessingStage, TokenUsage, VideoProcessingJob
from tubenotes.store.base import cache_key
from tubenotes.store.batches import SCHEMA as BATCH_SCHEMA
from tubenotes.store.batches import SqlBatchLedger
from tubenotes.store.documents import DOCUMENT_FIELDS

if TYPE_CHECKING:
    import psycopg

INSTALL_HINT = "pip install 'tubenotes[distributed]'"

# Any number, the same in every process: it serialises schema migrations across machines.
_MIGRATION_LOCK = 0x7475_6265_6E6F  # "tubeno"

# Each entry moves the schema one version on; the table schema_version records how far.
_MIGRATIONS: list[str] = [
    """
    CREATE TABLE jobs (
        key TEXT PRIMARY KEY,
        video_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        stage TEXT NOT NULL,
        position INTEGER NOT NULL,
        data JSONB NOT NULL,
        added BIGINT GENERATED ALWAYS AS IDENTITY,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX jobs_stage ON jobs(stage);
    CREATE TABLE generations (
        key TEXT PRIMARY KEY,
        generator TEXT NOT NULL,
        text TEXT NOT NULL,
        usage JSONB NOT NULL,
        computed INTEGER NOT NULL DEFAULT 1,
        hits INTEGER NOT NULL DEFAULT 0,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE TABLE exit_nodes (
        id INTEGER PRIMARY KEY,
        stats JSONB NOT NULL
    );
    CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value JSONB NOT NULL
    )
    """,
    # Requests waiting for a provider's Batch API, and the batches holding them.
    BATCH_SCHEMA,
    # Listings a page at a time in input order (`tubenotes.store.base.listed`, the vault pass's outlines):
    # without it each page sorted the whole table.
    "CREATE INDEX IF NOT EXISTS jobs_position ON jobs(position, added)",
]

# Dead peers are noticed within about a minute, so that a machine that vanished
# mid-answer (power, network) releases its lock on the answer's key.
_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


Method = TypeVar("Method", bound=Callable[..., Any])


def _reaching(method: Method) -> Method:
    """A connection lost mid-call (the server restarted, the network between went down) raises
    StoreUnreachable: the caller runs the step again later instead of taking it for the job's failure."""

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        store = self if isinstance(self, PostgresJobStore) else self._store
        try:
            return method(self, *args, **kwargs)
        except (store._psycopg.OperationalError, store._psycopg.InterfaceError) as exc:
            raise store._unreachable(exc) from exc
        except store._psycopg.errors.InsufficientPrivilege as exc:
            raise store._not_granted(exc, "SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public",
                                     "USAGE ON ALL SEQUENCES IN SCHEMA public") from exc

    return call  # type: ignore[return-value]


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ConfigurationError(f"a PostgreSQL store needs psycopg: {INSTALL_HINT}") from None
    return psycopg


class PostgresJobStore:
    """Jobs, settings and generated content of a batch, in one PostgreSQL database.

    Paths inside ``vault`` are stored relative to it, so that every machine reads
    them against its own copy of the vault (or none: fetch and generate need no paths).
    """

    def __init__(self, url: str, vault: Path | None = None) -> None:
        self._psycopg = _psycopg()
        self.url = url
        self.vault = vault
        self._local = threading.local()
        self._connections: list[psycopg.Connection[Any]] = []
        self._connections_lock = threading.Lock()
        self._migrate()
        self.cache = PostgresGenerationCache(self)
        self.batches = SqlBatchLedger(self.atomic, "%s")

    def __repr__(self) -> str:
        return f"PostgresJobStore({_redacted(self.url)!r})"

    def _unreachable(self, exc: BaseException) -> StoreUnreachable:
        return StoreUnreachable(f"cannot reach the PostgreSQL store {_redacted(self.url)}: {_first_line(exc)}; "
                                "check --store / TUBENOTES_STORE and that the server runs")

    def _db(self) -> psycopg.Connection[Any]:
        """This thread's connection, opened on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = self._psycopg.connect(self.url, autocommit=True, **_KEEPALIVES)
            except self._psycopg.OperationalError as exc:
                raise self._unreachable(exc) from exc
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def atomic(self) -> Iterator[psycopg.Connection[Any]]:
        """One transaction: all of it is committed, or none of it."""
        conn = self._db()
        with conn.transaction():
            yield conn

    def _not_granted(self, exc: BaseException, *grants: str) -> ConfigurationError:
        """What to grant, and to whom, when PostgreSQL refused the store's role."""
        try:
            user, database = self._db().execute("SELECT current_user, current_database()").fetchone()
        except self._psycopg.Error:
            user, database = "ROLE", "DATABASE"
        return ConfigurationError(
            f"the PostgreSQL store {_redacted(self.url)} refused: {_first_line(exc)}; as the database's owner or "
            f"a superuser, run in database {database}: " + " ".join(f"GRANT {grant} TO {user};" for grant in grants))

    @_reaching
    def _migrate(self) -> None:
        if self._schema_version() == len(_MIGRATIONS):
            return  # up to date: a role that may not create tables can still use it
        try:
            self._apply_migrations()
        except self._psycopg.errors.InsufficientPrivilege as exc:
            raise self._not_granted(exc, "CREATE ON SCHEMA public") from exc

    def _schema_version(self) -> int | None:
        db = self._db()
        if db.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
            return None
        row = db.execute("SELECT version FROM schema_version").fetchone()
        return int(row[0]) if row else None

    def _apply_migrations(self) -> None:
        with self.atomic() as db:
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                db.execute("INSERT INTO schema_version (version) VALUES (0)")
            version = row[0] if row else 0
            for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute("UPDATE schema_version SET version = %s", (number,))

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    def __enter__(self) -> PostgresJobStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- jobs -------------------------------------------------------------

    def save(self, job: VideoProcessingJob) -> None:
        self.save_many([job])

    @_reaching
    def save_many(self, jobs: Iterable[VideoProcessingJob]) -> None:
        Jsonb = self._psycopg.types.json.Jsonb
        rows = [(job.key, job.video_id, job.subject, job.stage.value, job.position, Jsonb(job.to_dict(self.vault)))
                for job in jobs]
        with self.atomic() as db, db.cursor() as cursor:
            cursor.executemany(
                """INSERT INTO jobs (key, video_id, subject, stage, position, data)
                   VALUES (%s, %s, %s, %s, %s, %s)
                   ON CONFLICT (key) DO UPDATE SET stage = excluded.stage, position = excluded.position,
                   subject = excluded.subject, data = excluded.data, updated_at = now()""",
                rows,
            )

    @_reaching
    def load(self, key: str) -> VideoProcessingJob | None:
        row = self._db().execute("SELECT data FROM jobs WHERE key = %s", (key,)).fetchone()
        return VideoProcessingJob.from_dict(row[0], self.vault) if row else None

    @_reaching
    def jobs(self, stages: Iterable[ProcessingStage] | None = None, *, documents: bool = True,
             limit: int | None = None, latest_first: bool = False, offset: int = 0) -> list[VideoProcessingJob]:
        """Jobs in input order, optionally only those in ``stages``; without ``documents`` the
        transcript, segments, notes and assessment stay in the database (for listings, never to save)."""
        data = "data" if documents else "data - %s::text[]"
        where, args = "", []
        if not documents:
            args.append(list(DOCUMENT_FIELDS))  # left out of listings
        if stages is not None:
            where = "WHERE stage = ANY(%s)"
            args.append([stage.value for stage in stages])
        order = "updated_at DESC, added DESC" if latest_first else "position, added"
        # LIMIT NULL is no limit.
        rows = self._db().execute(f"SELECT {data} FROM jobs {where} ORDER BY {order} LIMIT %s OFFSET %s",
                                  [*args, limit, offset]).fetchall()
        return [VideoProcessingJob.from_dict(row[0], self.vault) for row in rows]

    @_reaching
    def stage_counts(self) -> dict[ProcessingStage, int]:
        rows = self._db().execute("SELECT stage, COUNT(*) FROM jobs GROUP BY stage").fetchall()
        return {ProcessingStage(stage): count for stage, count in rows}

    @_reaching
    def next_position(self) -> int:
        row = self._db().execute("SELECT COALESCE(MAX(position) + 1, 0) FROM jobs").fetchone()
        return int(row[0])

    # --- the settings of the last run, so resume and retry go on alike ------

    @_reaching
    def save_settings(self, settings: Mapping[str, Any]) -> None:
        """Replace the remembered settings with these."""
        Jsonb = self._psycopg.types.json.Jsonb
        with self.atomic() as db:
            db.execute("DELETE FROM settings")
            with db.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO settings (name, value) VALUES (%s, %s)",
                    [(name, Jsonb(_json_safe(value))) for name, value in settings.items()],
                )

    @_reaching
    def load_settings(self) -> dict[str, Any]:
        rows = self._db().execute("SELECT name, value FROM settings").fetchall()
        return {name: value for name, value in rows}

    # --- exit node statistics of the last run, for `tubenotes status` ----------

    @_reaching
    def save_node_stats(self, nodes: list[dict[str, Any]]) -> None:
        Jsonb = self._psycopg.types.json.Jsonb
        with self.atomic() as db:
            db.execute("DELETE FROM exit_nodes")
            with db.cursor() as cursor:
                cursor.executemany("INSERT INTO exit_nodes (id, stats) VALUES (%s, %s)",
                                   [(node["id"], Jsonb(_json_safe(node))) for node in nodes])

    @_reaching
    def node_stats(self) -> list[dict[str, Any]]:
        rows = self._db().execute("SELECT stats FROM exit_nodes ORDER BY id").fetchall()
        return [row[0] for row in rows]


class PostgresGenerationCache:
    """The store's cache of generated documents; an answer is computed once across all workers."""

    def __init__(self, store: PostgresJobStore) -> None:
        self._store = store

    @_reaching
    def get_or_compute(self, parts: Mapping[str, Any], compute: Callable[[], Generation]) -> Generation:
        key = cache_key(parts)
        answer = self._stored(key)
        if answer is not None:
            return answer
        db = self._store._db()
        lock = _lock_id(key)
        # Session-level, on this thread's connection: held across compute(), released by
        # unlock or by the connection's end, so a killed worker never leaves it taken.
        db.execute("SELECT pg_advisory_lock(%s)", (lock,))
        try:
            answer = self._stored(key)  # another worker may have answered while this one waited
            if answer is not None:
                return answer
            answer = compute()
            db.execute(
                """INSERT INTO generations (key, generator, text, usage) VALUES (%s, %s, %s, %s)
                   ON CONFLICT (key) DO UPDATE SET text = excluded.text, generator = excluded.generator,
                   usage = excluded.usage, computed = generations.computed + 1""",
                (key, answer.generator, answer.text, self._store._psycopg.types.json.Jsonb(asdict(answer.usage))),
            )
            return answer
        finally:
            if not db.closed:
                db.execute("SELECT pg_advisory_unlock(%s)", (lock,))

    def _stored(self, key: str) -> Generation | None:
        row = self._store._db().execute(
            "UPDATE generations SET hits = hits + 1 WHERE key = %s RETURNING text, generator, usage", (key,)
        ).fetchone()
        return Generation(text=row[0], generator=row[1], usage=TokenUsage(**row[2])) if row else None

    @_reaching
    def stats(self) -> dict[str, int]:
        """Entries, answers computed (a value above entries means one was paid twice), and hits."""
        row = self._store._db().execute(
            "SELECT COUNT(*), COALESCE(SUM(computed), 0), COALESCE(SUM(hits), 0) FROM generations"
        ).fetchone()
        return {"entries": int(row[0]), "computed": int(row[1]), "hits": int(row[2])}


def _lock_id(key: str) -> int:
    """A signed 64-bit advisory lock id from the key's hash (a collision only serialises two answers)."""
    return int(key[:16], 16) - (1 << 63)


def _json_safe(value: Any) -> Any:
    """As the SQLite store keeps it: JSON, with anything else as its string."""
    return json.loads(json.dumps(value, default=str))


def _redacted(url: str) -> str:
    """The URL without a password, for messages and logs."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
