"""The store's record of Batch API work: requests waiting for a batch, and the batches at the provider.

A request is known by its key (the hash of the exact body a live call
would send, also its ``custom_id``). It is ``pending`` until a batch holds
it, ``submitted`` while one does, and ``failed`` once its attempts are
spent; an answered request leaves the ledger, its answer being in the
generation cache. A batch is recorded in the same transaction that marks its
requests submitted, so that no request sits in two live batches, and a
process killed after `create` finds the batch again by its id.

One SQL implementation serves SQLite (in the vault), PostgreSQL (shared)
and the memory store (an in-memory SQLite database).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

# The tables, as a migration of the SQLite and the PostgreSQL store creates them; a later
# change to them is a migration of its own, never an edit here.
SCHEMA = """
CREATE TABLE batch_requests (
    key TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    batch_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    added_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX batch_requests_state ON batch_requests(state, host);
CREATE TABLE llm_batches (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL,
    requests INTEGER NOT NULL,
    submitted_at DOUBLE PRECISION NOT NULL,
    checked_at DOUBLE PRECISION,
    collected INTEGER NOT NULL DEFAULT 0,
    poller TEXT,
    lease_until DOUBLE PRECISION
)
"""

PENDING, SUBMITTED, FAILED = "pending", "submitted", "failed"


@dataclass
class BatchRecord:
    """One batch at a provider, as last seen; ``data`` is the provider's batch object."""

    id: str
    host: str
    state: str
    requests: int
    submitted_at: float
    checked_at: float | None = None
    collected: bool = False  # its results are in the cache and its failed requests back in the ledger
    data: dict[str, Any] = field(default_factory=dict)
    poller: str | None = None  # the process that polls it, while its lease runs
    lease_until: float | None = None

    @property
    def request_counts(self) -> dict[str, int]:
        counts = dict(self.data.get("request_counts") or {"completed": 0, "failed": 0})
        counts["total"] = counts.get("total") or self.requests  # a validating batch counts none yet
        return counts


class BatchLedger(Protocol):
    def want(self, host: str, requests: Mapping[str, dict[str, Any]]) -> None:
        """Record requests (key -> body) as pending, unless the ledger knows them already."""
        ...

    def failure(self, key: str) -> str | None:
        """Why a request failed for good (its attempts spent), or None."""
        ...

    def pending(self, host: str) -> dict[str, dict[str, Any]]:
        """The requests for ``host`` that no live batch holds: key -> body, oldest first."""
        ...

    def submitted(self, batch: BatchRecord, keys: Iterable[str]) -> None:
        """Record a batch created at the provider and mark its requests submitted, in one transaction."""
        ...

    def requests_in(self, batch_id: str) -> frozenset[str]:
        """The keys of the requests a live batch holds."""
        ...

    def batches(self, uncollected: bool = True) -> list[BatchRecord]:
        """Batches whose results are not collected yet (or every batch), oldest first."""
        ...

    def update(self, batch: BatchRecord) -> None:
        """Save what was last seen of a batch (state, data, checked_at, collected)."""
        ...

    def settle(self, batch_id: str, answered: Iterable[str], failures: Mapping[str, str], max_attempts: int) -> None:
        """After a batch: answered requests leave; failed ones go back to pending, or fail for good after
        ``max_attempts``; requests of the batch in neither (unfinished) go back to pending."""
        ...

    def claim(self, batch_id: str, owner: str, lease_until: float, replacing: str | None = None) -> bool:
        """Take (or renew) the right to poll a batch; True if ``owner`` holds it now. A batch is free when
        nobody holds it, its lease ran out, or its holder is ``replacing`` (known to be dead)."""
        ...

    def retry_failed(self) -> int:
        """Give requests that failed for good new attempts; returns how many."""
        ...

    def waiting(self) -> int:
        """How many requests are pending or in a live batch."""
        ...


Atomic = Callable[[], AbstractContextManager[Any]]


class SqlBatchLedger:
    """The ledger on a database connection that ``atomic()`` yields, one transaction each."""

    def __init__(self, atomic: Atomic, placeholder: str = "?") -> None:
        self._atomic = atomic
        self._placeholder = placeholder

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self._placeholder) if self._placeholder != "?" else statement

    def _rows(self, statement: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._atomic() as db:
            return list(db.execute(self._sql(statement), tuple(args)).fetchall())

    def want(self, host: str, requests: Mapping[str, dict[str, Any]]) -> None:
        now = time.time()
        with self._atomic() as db:
            for key, body in requests.items():
                db.execute(self._sql("INSERT INTO batch_requests (key, host, body, state, added_at) "
                                     "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING"),
                           (key, host, json.dumps(body, ensure_ascii=False), PENDING, now))

    def failure(self, key: str) -> str | None:
        rows = self._rows("SELECT error FROM batch_requests WHERE key = ? AND state = ?", (key, FAILED))
        return str(rows[0][0] or "the provider gave no reason") if rows else None

    def pending(self, host: str) -> dict[str, dict[str, Any]]:
        rows = self._rows("SELECT key, body FROM batch_requests WHERE host = ? AND state = ? ORDER BY added_at, key",
                          (host, PENDING))
        return {key: json.loads(body) for key, body in rows}

    def submitted(self, batch: BatchRecord, keys: Iterable[str]) -> None:
        with self._atomic() as db:
            db.execute(self._sql(
                "INSERT INTO llm_batches (id, host, state, data, requests, submitted_at, checked_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)"),
                (batch.id, batch.host, batch.state, json.dumps(batch.data), batch.requests, batch.submitted_at,
                 batch.checked_at))
            for key in keys:
                db.execute(self._sql("UPDATE batch_requests SET state = ?, batch_id = ?, attempts = attempts + 1 "
                                     "WHERE key = ?"), (SUBMITTED, batch.id, key))

    def requests_in(self, batch_id: str) -> frozenset[str]:
        return frozenset(key for key, in self._rows("SELECT key FROM batch_requests WHERE batch_id = ?", (batch_id,)))

    def batches(self, uncollected: bool = True) -> list[BatchRecord]:
        where = "WHERE collected = 0 " if uncollected else ""
        rows = self._rows("SELECT id, host, state, requests, submitted_at, checked_at, collected, data, poller, "
                          f"lease_until FROM llm_batches {where}ORDER BY submitted_at, id")
        return [BatchRecord(id, host, state, requests, submitted_at, checked_at, bool(collected), json.loads(data),
                            poller, lease_until)
                for id, host, state, requests, submitted_at, checked_at, collected, data, poller, lease_until in rows]

    def update(self, batch: BatchRecord) -> None:
        with self._atomic() as db:
            db.execute(self._sql("UPDATE llm_batches SET state = ?, data = ?, checked_at = ?, collected = ? "
                                 "WHERE id = ?"),
                       (batch.state, json.dumps(batch.data), batch.checked_at, int(batch.collected), batch.id))

    def settle(self, batch_id: str, answered: Iterable[str], failures: Mapping[str, str], max_attempts: int) -> None:
        with self._atomic() as db:
            for key in answered:
                db.execute(self._sql("DELETE FROM batch_requests WHERE key = ? AND batch_id = ?"), (key, batch_id))
            for key, reason in failures.items():
                db.execute(self._sql(
                    "UPDATE batch_requests SET state = CASE WHEN attempts >= ? THEN ? ELSE ? END, error = ?, "
                    "batch_id = NULL WHERE key = ? AND batch_id = ?"),
                    (max_attempts, FAILED, PENDING, reason, key, batch_id))
            db.execute(self._sql("UPDATE batch_requests SET state = ?, batch_id = NULL WHERE batch_id = ? "
                                 "AND state = ?"), (PENDING, batch_id, SUBMITTED))
            db.execute(self._sql("UPDATE llm_batches SET collected = 1, poller = NULL, lease_until = NULL "
                                 "WHERE id = ?"), (batch_id,))

    def claim(self, batch_id: str, owner: str, lease_until: float, replacing: str | None = None) -> bool:
        with self._atomic() as db:
            cursor = db.execute(self._sql(
                "UPDATE llm_batches SET poller = ?, lease_until = ? WHERE id = ? AND collected = 0 AND "
                "(poller IS NULL OR poller = ? OR poller = ? OR lease_until < ?)"),
                (owner, lease_until, batch_id, owner, replacing or owner, time.time()))
            return bool(cursor.rowcount)

    def retry_failed(self) -> int:
        with self._atomic() as db:
            cursor = db.execute(self._sql("UPDATE batch_requests SET state = ?, attempts = 0 WHERE state = ?"),
                                (PENDING, FAILED))
            return int(cursor.rowcount)

    def waiting(self) -> int:
        return int(self._rows("SELECT COUNT(*) FROM batch_requests WHERE state IN (?, ?)",
                              (PENDING, SUBMITTED))[0][0])


def create_tables(db: Any) -> None:
    for statement in filter(str.strip, SCHEMA.split(";")):
        db.execute(statement)


def memory_ledger() -> SqlBatchLedger:
    """The ledger of a store that forgets at exit: the same SQL, on a database in memory."""
    connection = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    lock = threading.RLock()

    @contextmanager
    def atomic() -> Iterator[sqlite3.Connection]:
        with lock:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    with atomic() as db:
        create_tables(db)
    return SqlBatchLedger(atomic)
