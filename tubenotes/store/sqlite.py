"""The default store: jobs, the generation cache and the vault's file records, in one SQLite file.

The store lives in ``<vault>/.tubenotes/tubenotes.db`` in WAL mode. A job
is committed at every stage transition, so ``kill -9`` loses at most the
stage in flight. Every generated document is cached under a hash of what
produced it before the job hears of it. The hashes of the files written into
the vault (`VaultRecords`, for the user-edit guard) live here whatever store
holds the jobs: they belong to the vault.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tubenotes.errors import ConfigurationError, as_storage_error
from tubenotes.job import Generation, ProcessingStage, TokenUsage, VideoProcessingJob
from tubenotes.store.base import cache_key
from tubenotes.store.batches import SqlBatchLedger
from tubenotes.store.documents import DOCUMENT_FIELDS, document_body, document_value, fingerprint
from tubenotes.store.health import check_readable, connect_read_only, writable_folder
from tubenotes.store.sqlite_schema import migrate

STORE_DIRNAME = ".tubenotes"
STORE_FILENAME = "tubenotes.db"

_SAVE_JOB = """INSERT INTO jobs (key, video_id, subject, stage, position, data, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(key) DO UPDATE SET stage=excluded.stage, position=excluded.position,
               subject=excluded.subject, data=excluded.data, updated_at=excluded.updated_at"""
_SAVE_DOCUMENT = "INSERT OR REPLACE INTO job_documents (job_key, name, body) VALUES (?, ?, ?)"


@contextmanager
def vault_lock(vault: Path) -> Iterator[None]:
    """Hold the vault for one run: two runs at once would process the same jobs twice."""
    path = Path(vault) / STORE_DIRNAME / "run.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if as_storage_error(exc) is not None:  # a full disk or a read-only mount: said as such by the caller
            raise
        # A path through a file, or where no folder can be made (/proc): the vault given is wrong, not the disk.
        raise ConfigurationError(f"cannot make the vault {vault}: {exc.strerror}") from None
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


class _Database:
    """One connection shared by a process's threads, serialised by a lock: SQLite allows
    one writer at a time anyway, and commits are short."""

    def __init__(self, vault: Path) -> None:
        self.path = Path(vault) / STORE_DIRNAME / STORE_FILENAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        check_readable(self.path)
        self.lock = threading.RLock()
        if self.path.exists() and not writable_folder(self.path.parent):
            # A vault on a read-only mount can still be looked at (`status`); a write says where it failed.
            self.connection = connect_read_only(self.path, check_same_thread=False, isolation_level=None)
            return
        self.connection = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        with self.atomic() as db:
            migrate(db)


    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """One transaction: all of it is committed, or none of it."""
        with self.lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    def write(self, statement: str, args: Iterable[Any] = ()) -> None:
        """One statement, committed on its own."""
        with self.lock:
            self.connection.execute(statement, tuple(args))

    def read(self, query: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.connection.execute(query, tuple(args)).fetchall()

    def close(self) -> None:
        with self.lock:
            self.connection.close()


class SqliteStore:
    """The jobs and generated content of one vault, in the vault."""

    def __init__(self, vault: Path) -> None:
        self.vault = Path(vault)
        self.db = _Database(self.vault)
        self.path = self.db.path
        self.cache = SqliteGenerationCache(self.db)
        self.records = VaultRecords(self.db)
        self.batches = SqlBatchLedger(self.db.atomic)
        self._seen = _Fingerprints()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- jobs -------------------------------------------------------------

    def save(self, job: VideoProcessingJob) -> None:
        """Commit the job; of its documents, only those that changed since this store last saw them."""
        row, changed, fingerprints = self._rows(job)
        if changed:
            with self.db.atomic() as db:
                db.execute(_SAVE_JOB, row)
                db.executemany(_SAVE_DOCUMENT, changed)
        else:
            self.db.write(_SAVE_JOB, row)  # one statement is a transaction of its own: one round, not four
        self._seen.put(job.key, fingerprints)

    def save_many(self, jobs: Iterable[VideoProcessingJob]) -> None:
        rows = [self._rows(job) for job in jobs]
        with self.db.atomic() as db:
            db.executemany(_SAVE_JOB, [row for row, _, _ in rows])
            db.executemany(_SAVE_DOCUMENT, [document for _, changed, _ in rows for document in changed])
        for row, _, fingerprints in rows:
            self._seen.put(row[0], fingerprints)

    def _rows(self, job: VideoProcessingJob) -> tuple[tuple[Any, ...], list[tuple[str, str, str | None]],
                                                      dict[str, tuple[int, int] | None]]:
        """The job's row, its documents changed since this store last saw them, and their fingerprints."""
        fingerprints = {name: fingerprint(getattr(job, name)) for name in DOCUMENT_FIELDS}
        seen = self._seen.get(job.key)
        changed = [(job.key, name, document_body(name, getattr(job, name))) for name in DOCUMENT_FIELDS
                   if name not in seen or fingerprints[name] != seen[name]]
        row = (job.key, job.video_id, job.subject, job.stage.value, job.position,
               job.to_json(self.vault, without=DOCUMENT_FIELDS), time.time())
        return row, changed, fingerprints

    def load(self, key: str) -> VideoProcessingJob | None:
        jobs = self._jobs("SELECT key, data FROM jobs WHERE key = ?", (key,), documents=True)
        return jobs[0] if jobs else None

    def jobs(self, stages: Iterable[ProcessingStage] | None = None, *, documents: bool = True,
             limit: int | None = None, latest_first: bool = False, offset: int = 0) -> list[VideoProcessingJob]:
        query = "SELECT key, data FROM jobs"
        args: tuple[str | int, ...] = ()
        if stages is not None:
            args = tuple(stage.value for stage in stages)
            query += f" WHERE stage IN ({','.join('?' * len(args))})"
        query += " ORDER BY updated_at DESC, rowid DESC" if latest_first else " ORDER BY position, rowid"
        if limit is not None or offset:
            query += " LIMIT ? OFFSET ?"
            args += (-1 if limit is None else limit, offset)  # SQLite: a negative limit is none
        return self._jobs(query, args, documents)

    def stage_counts(self) -> dict[ProcessingStage, int]:
        return {ProcessingStage(stage): count
                for stage, count in self.db.read("SELECT stage, COUNT(*) FROM jobs GROUP BY stage")}

    def _jobs(self, query: str, args: tuple[str | int, ...], documents: bool) -> list[VideoProcessingJob]:
        with self.db.lock:
            rows = self.db.connection.execute(query, args).fetchall()
            bodies: dict[str, dict[str, Any]] = {}
            if documents and rows:
                keys = [row[0] for row in rows]
                for start in range(0, len(keys), 500):  # SQLite's limit on parameters
                    chunk = keys[start:start + 500]
                    for key, name, body in self.db.connection.execute(
                            f"SELECT job_key, name, body FROM job_documents WHERE job_key IN "
                            f"({','.join('?' * len(chunk))})", chunk):
                        bodies.setdefault(key, {})[name] = document_value(name, body)
        jobs = []
        for key, text in rows:
            job = VideoProcessingJob.from_dict({**json.loads(text), **bodies.get(key, {})}, self.vault)
            if documents:
                self._seen.put(key, {name: fingerprint(getattr(job, name)) for name in DOCUMENT_FIELDS})
            jobs.append(job)
        return jobs

    def next_position(self) -> int:
        return int(self.db.read("SELECT COALESCE(MAX(position) + 1, 0) FROM jobs")[0][0])

    # --- the settings of the last run, so resume and retry go on alike ------

    def save_settings(self, settings: Mapping[str, Any]) -> None:
        with self.db.atomic() as db:
            db.execute("DELETE FROM settings")
            db.executemany(
                "INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)",
                [(name, json.dumps(value, default=str)) for name, value in settings.items()],
            )

    def load_settings(self) -> dict[str, Any]:
        return {name: json.loads(value) for name, value in self.db.read("SELECT name, value FROM settings")}

    # --- exit node statistics of the last run, for `tubenotes status` ----------

    def save_node_stats(self, nodes: list[dict[str, Any]]) -> None:
        with self.db.atomic() as db:
            db.execute("DELETE FROM exit_nodes")
            db.executemany("INSERT INTO exit_nodes (id, stats) VALUES (?, ?)",
                           [(node["id"], json.dumps(node)) for node in nodes])

    def node_stats(self) -> list[dict[str, Any]]:
        return [json.loads(row[0]) for row in self.db.read("SELECT stats FROM exit_nodes ORDER BY id")]


# Jobs whose documents' fingerprints a store remembers: well above the jobs a run holds at once (a few per
# worker), far below a batch of 100,000, whose every key would otherwise stay here to the end.
FINGERPRINTS_KEPT = 4096


class _Fingerprints:
    """Per job key, the fingerprints of its documents as this process last saved or loaded them, for the
    jobs seen last. A job forgotten here has all its documents written at its next save: the same rows."""

    def __init__(self, kept: int = FINGERPRINTS_KEPT) -> None:
        self.kept = kept
        self._lock = threading.Lock()
        self._by_key: OrderedDict[str, dict[str, tuple[int, int] | None]] = OrderedDict()

    def get(self, key: str) -> dict[str, tuple[int, int] | None]:
        with self._lock:
            return self._by_key.get(key, {})

    def put(self, key: str, fingerprints: dict[str, tuple[int, int] | None]) -> None:
        with self._lock:
            self._by_key[key] = fingerprints
            self._by_key.move_to_end(key)
            while len(self._by_key) > self.kept:
                self._by_key.popitem(last=False)

    def __len__(self) -> int:
        return len(self._by_key)


class VaultRecords:
    """The files written into the vault (the FileRecords of tubenotes.vault.guard)."""

    def __init__(self, db: _Database) -> None:
        self.db = db

    @classmethod
    def of_vault(cls, vault: Path) -> VaultRecords:
        """The records in the vault's own database, for a run whose jobs live in a shared store."""
        return cls(_Database(vault))

    def file_record(self, path: str) -> FileRecord | None:
        rows = self.db.read(
            "SELECT path, job_key, kind, sha256, pending_sha256 FROM written_files WHERE path = ?", (path,))
        return FileRecord(*rows[0]) if rows else None

    def begin_write(self, path: str, sha256: str, kind: str, job_key: str | None) -> None:
        with self.db.atomic() as db:
            db.execute(
                """INSERT INTO written_files (path, job_key, kind, pending_sha256, written_at) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT(path) DO UPDATE SET job_key=excluded.job_key, kind=excluded.kind,
                   pending_sha256=excluded.pending_sha256, written_at=excluded.written_at""",
                (path, job_key, kind, sha256, time.time()),
            )

    def end_write(self, path: str) -> None:
        with self.db.atomic() as db:
            db.execute("UPDATE written_files SET sha256 = pending_sha256, pending_sha256 = NULL WHERE path = ?",
                       (path,))

    def forget_file(self, path: str) -> None:
        with self.db.atomic() as db:
            db.execute("DELETE FROM written_files WHERE path = ?", (path,))

    def file_records(self, kind: str | None = None, job_key: str | None = None) -> list[FileRecord]:
        """Written files, optionally of one kind or job, in path order."""
        query = "SELECT path, job_key, kind, sha256, pending_sha256 FROM written_files WHERE 1=1"
        args: list[str] = []
        for column, value in (("kind", kind), ("job_key", job_key)):
            if value is not None:
                query += f" AND {column} = ?"
                args.append(value)
        return [FileRecord(*row) for row in self.db.read(query + " ORDER BY path", args)]


class SqliteGenerationCache:
    """The store's cache of generated documents; counts how often each was computed."""

    def __init__(self, db: _Database) -> None:
        self.db = db

    def get_or_compute(self, parts: Mapping[str, Any], compute: Callable[[], Generation]) -> Generation:
        key = cache_key(parts)
        # A read, and a write only for a hit: a miss (every answer of a new batch) takes no write lock.
        rows = self.db.read("SELECT text, generator, usage FROM generations WHERE key = ?", (key,))
        if rows:
            self.db.write("UPDATE generations SET hits = hits + 1 WHERE key = ?", (key,))
            row = rows[0]
            return Generation(text=row[0], generator=row[1], usage=TokenUsage(**json.loads(row[2])))
        answer = compute()
        self.db.write(
            """INSERT INTO generations (key, generator, text, usage, created_at) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT(key) DO UPDATE SET text=excluded.text, computed = computed + 1""",
            (key, answer.generator, answer.text, json.dumps(asdict(answer.usage)), time.time()),
        )
        return answer

    def stats(self) -> dict[str, int]:
        row = self.db.read(
            "SELECT COUNT(*), COALESCE(SUM(computed), 0), COALESCE(SUM(hits), 0) FROM generations")[0]
        return {"entries": row[0], "computed": row[1], "hits": row[2]}
