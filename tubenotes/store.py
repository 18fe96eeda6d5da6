"""The durable job store and the cache of generated content, in one SQLite file.

The store lives in ``<vault>/.tubenotes/tubenotes.db`` in WAL mode. A job
is committed at every stage transition, so ``kill -9`` loses at most the
stage in flight. Every generated document is cached under a hash of what
produced it (generator, model, prompt, parameters) before the job hears of
it, so a resumed or repeated run never pays twice for the same answer.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from tubenotes.errors import ConfigurationError
from tubenotes.generate.base import Generation
from tubenotes.job import ProcessingStage, TokenUsage, VideoProcessingJob
from tubenotes.store_health import check_readable

STORE_DIRNAME = ".tubenotes"
STORE_FILENAME = "tubenotes.db"

# Each entry moves the schema one version on; PRAGMA user_version records how far.
_MIGRATIONS: list[str] = [
    """
    CREATE TABLE jobs (
        key TEXT PRIMARY KEY,
        video_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        stage TEXT NOT NULL,
        position INTEGER NOT NULL,
        data TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX jobs_stage ON jobs(stage);
    CREATE TABLE generations (
        key TEXT PRIMARY KEY,
        generator TEXT NOT NULL,
        text TEXT NOT NULL,
        usage TEXT NOT NULL,
        computed INTEGER NOT NULL DEFAULT 1,
        hits INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    );
    CREATE TABLE exit_nodes (
        id INTEGER PRIMARY KEY,
        stats TEXT NOT NULL
    );
    CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # Every file written into the vault, by its path relative to the vault, with the hash
    # of what was written: a file whose hash differs has been edited by the user.
    # `pending_sha256` is set before the write and moved to `sha256` after it, so a
    # write killed in between is still recognised as ours.
    """
    CREATE TABLE written_files (
        path TEXT PRIMARY KEY,
        job_key TEXT,
        kind TEXT NOT NULL,
        sha256 TEXT,
        pending_sha256 TEXT,
        written_at REAL NOT NULL
    );
    CREATE INDEX written_files_job ON written_files(job_key, kind);
    """,
]


def cache_key(parts: Mapping[str, Any]) -> str:
    """A stable hash of everything that determines a generated answer."""
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@contextmanager
def vault_lock(vault: Path) -> Iterator[None]:
    """Hold the vault for one run: two runs at once would process the same jobs twice."""
    path = Path(vault) / STORE_DIRNAME / "run.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ConfigurationError(
                f"{vault} is in use by a running tubenotes (pid {holder}); wait for it or stop it first"
            ) from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class GenerationCache(Protocol):
    def get_or_compute(self, parts: Mapping[str, Any], compute: Callable[[], Generation]) -> Generation:
        """The cached answer for ``parts``, or ``compute()``'s, stored before it is returned."""
        ...


class MemoryCache:
    """A cache that forgets at exit: for tests and one-off runs."""

    def __init__(self) -> None:
        self._answers: dict[str, Generation] = {}
        self._lock = threading.Lock()
        self.computed = 0

    def get_or_compute(self, parts: Mapping[str, Any], compute: Callable[[], Generation]) -> Generation:
        key = cache_key(parts)
        with self._lock:
            if key in self._answers:
                return self._answers[key]
        answer = compute()
        with self._lock:
            self._answers[key] = answer
            self.computed += 1
        return answer


class RegenerationCache:
    """A cache whose keys take a salt per thread, so `run --regenerate` gets answers anew.

    The generate step sets the job's regeneration count around its call; a
    count of 0 leaves the keys as they always were, so existing entries stay valid.
    """

    def __init__(self, inner: GenerationCache) -> None:
        self._inner = inner
        self._local = threading.local()

    @contextmanager
    def salted(self, regeneration: int) -> Iterator[None]:
        self._local.salt = regeneration
        try:
            yield
        finally:
            self._local.salt = 0

    def get_or_compute(self, parts: Mapping[str, Any], compute: Callable[[], Generation]) -> Generation:
        salt = getattr(self._local, "salt", 0)
        return self._inner.get_or_compute({**parts, "regeneration": salt} if salt else parts, compute)


@dataclass(frozen=True)
class FileRecord:
    path: str  # relative to the vault, with forward slashes
    job_key: str | None
    kind: str
    sha256: str | None  # of the last completed write
    pending_sha256: str | None  # of a write begun and not known to be finished

    def is_ours(self, sha256: str) -> bool:
        """Whether a file with this hash is one tubenotes wrote (not edited since)."""
        return sha256 in (self.sha256, self.pending_sha256)


class JobStore:
    """Jobs and generated content of one vault."""

    def __init__(self, vault: Path) -> None:
        self.path = Path(vault) / STORE_DIRNAME / STORE_FILENAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        check_readable(self.path)
        # One connection shared by the runner's threads, serialised by a lock:
        # SQLite allows one writer at a time anyway, and commits are short.
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._migrate()
        self.cache = SqliteGenerationCache(self)

    def _migrate(self) -> None:
        with self.atomic() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(_MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """One transaction: all of it is committed, or none of it."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> JobStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- jobs -------------------------------------------------------------

    def save(self, job: VideoProcessingJob) -> None:
        with self.atomic() as db:
            db.execute(
                """INSERT INTO jobs (key, video_id, subject, stage, position, data, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(key) DO UPDATE SET stage=excluded.stage, position=excluded.position,
                   subject=excluded.subject, data=excluded.data, updated_at=excluded.updated_at""",
                (job.key, job.video_id, job.subject, job.stage.value, job.position, job.to_json(), time.time()),
            )

    def load(self, key: str) -> VideoProcessingJob | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM jobs WHERE key = ?", (key,)).fetchone()
        return VideoProcessingJob.from_json(row[0]) if row else None

    def jobs(self, stages: Iterator[ProcessingStage] | None = None) -> list[VideoProcessingJob]:
        """Jobs in input order, optionally only those in ``stages``."""
        query = "SELECT data FROM jobs"
        args: tuple[str, ...] = ()
        if stages is not None:
            wanted = tuple(stage.value for stage in stages)
            query += f" WHERE stage IN ({','.join('?' * len(wanted))})"
            args = wanted
        with self._lock:
            rows = self._db.execute(query + " ORDER BY position, rowid", args).fetchall()
        return [VideoProcessingJob.from_json(row[0]) for row in rows]

    def unfinished(self) -> list[VideoProcessingJob]:
        finished = {ProcessingStage.COMPLETED, ProcessingStage.FAILED}
        return self.jobs(stage for stage in ProcessingStage if stage not in finished)

    def failed(self) -> list[VideoProcessingJob]:
        return self.jobs(iter([ProcessingStage.FAILED]))

    # --- the settings of the last run, so resume and retry go on alike ------

    def save_settings(self, settings: Mapping[str, Any]) -> None:
        """Replace the remembered settings with these."""
        with self.atomic() as db:
            db.execute("DELETE FROM settings")
            db.executemany(
                "INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)",
                [(name, json.dumps(value, default=str)) for name, value in settings.items()],
            )

    def load_settings(self) -> dict[str, Any]:
        with self._lock:
            rows = self._db.execute("SELECT name, value FROM settings").fetchall()
        return {name: json.loads(value) for name, value in rows}

    # --- exit node statistics of the last run, for `tubenotes status` ----------

    def save_node_stats(self, nodes: list[dict[str, Any]]) -> None:
        with self.atomic() as db:
            db.execute("DELETE FROM exit_nodes")
            db.executemany("INSERT INTO exit_nodes (id, stats) VALUES (?, ?)",
                           [(node["id"], json.dumps(node)) for node in nodes])

    def node_stats(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT stats FROM exit_nodes ORDER BY id").fetchall()
        return [json.loads(row[0]) for row in rows]

    # --- files written into the vault (the FileRecords of tubenotes.vault.guard) ----

    def file_record(self, path: str) -> FileRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT path, job_key, kind, sha256, pending_sha256 FROM written_files WHERE path = ?", (path,)
            ).fetchone()
        return FileRecord(*row) if row else None

    def begin_write(self, path: str, sha256: str, kind: str, job_key: str | None) -> None:
        with self.atomic() as db:
            db.execute(
                """INSERT INTO written_files (path, job_key, kind, pending_sha256, written_at) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(path) DO UPDATE SET job_key=excluded.job_key, kind=excluded.kind,
                   pending_sha256=excluded.pending_sha256, written_at=excluded.written_at""",
                (path, job_key, kind, sha256, time.time()),
            )

    def end_write(self, path: str) -> None:
        with self.atomic() as db:
            db.execute("UPDATE written_files SET sha256 = pending_sha256, pending_sha256 = NULL WHERE path = ?",
                       (path,))

    def forget_file(self, path: str) -> None:
        with self.atomic() as db:
            db.execute("DELETE FROM written_files WHERE path = ?", (path,))

    def file_records(self, kind: str | None = None, job_key: str | None = None) -> list[FileRecord]:
        """Written files, optionally of one kind or job, in path order."""
        query = "SELECT path, job_key, kind, sha256, pending_sha256 FROM written_files WHERE 1=1"
        args: list[str] = []
        for column, value in (("kind", kind), ("job_key", job_key)):
            if value is not None:
                query += f" AND {column} = ?"
                args.append(value)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY path", args).fetchall()
        return [FileRecord(*row) for row in rows]

    def next_position(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM jobs").fetchone()
        return int(row[0])


class SqliteGenerationCache:
    """The store's cache of generated documents; counts how often each was computed."""

    def __init__(self, store: JobStore) -> None:
        self._store = store

    def get_or_compute(self, parts: Mapping[str, Any], compute: Callable[[], Generation]) -> Generation:
        key = cache_key(parts)
        with self._store.atomic() as db:
            row = db.execute("SELECT text, generator, usage FROM generations WHERE key = ?", (key,)).fetchone()
            if row:
                db.execute("UPDATE generations SET hits = hits + 1 WHERE key = ?", (key,))
        if row:
            return Generation(text=row[0], generator=row[1], usage=TokenUsage(**json.loads(row[2])))
        answer = compute()
        with self._store.atomic() as db:
            db.execute(
                """INSERT INTO generations (key, generator, text, usage, created_at) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(key) DO UPDATE SET text=excluded.text, computed = computed + 1""",
                (key, answer.generator, answer.text, json.dumps(asdict(answer.usage)), time.time()),
            )
        return answer

    def stats(self) -> dict[str, int]:
        """Entries, answers computed (a value above entries means one was paid twice), and hits."""
        with self._store._lock:
            row = self._store._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(computed), 0), COALESCE(SUM(hits), 0) FROM generations"
            ).fetchone()
        return {"entries": row[0], "computed": row[1], "hits": row[2]}
