"""What the last vault pass made each lecture's note (and each concept's definition) from, so that the next
makes again only those whose inputs changed.

A note's inputs are its job (documents and all), where its links go, its
related lectures, its subject index, the files deleted beside it, and the
code that renders it. A pass that finds the note still as it wrote it (the
file's hash is the one it recorded) and the same inputs leaves it alone: the
same inputs render the same bytes. The memo is a file of the vault's
``.tubenotes/`` (an SQLite database), written as the pass goes and pruned at
its end; a lost or damaged memo only means every note is rendered again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

import tubenotes

MEMO_FILENAME = "vault-pass.db"
# The memo's file before it was a database: one JSON text, read whole. Removed when the new one is made.
_OLD_MEMO_FILENAME = "vault-pass.json"
# Entries kept before they are written to the file, at most.
_PENDING = 2000


class RenderMemo:
    """Per file of the vault (its path): the digest of the inputs it was last made from in a vault pass, and
    what came of them (a note's: the hash of its bytes; a concept's: its definition). Without a ``path`` it
    remembers for this process only.

    The file is an SQLite database, read an entry at a time when one is asked for: at 20,000 lectures the
    memo holds tens of MB, which a pass never holds at once."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._opened = False
        self._lock = threading.Lock()  # the write stage's threads ask for the vault's note names too
        self._memory: dict[str, tuple[str, str]] = {}  # without a file (or none to be had): every entry
        self._pending: dict[str, tuple[str, str]] = {}  # kept, not in the file yet
        self._changed = False
        # Recalled or kept by this process, kept in the file at `save`: gathered in the file's temporary table
        # ``used``, as the paths of 100,000 lectures' entries would be tens of MB held.
        self._used: list[str] = []  # not in that table yet
        self.rendered = 0  # notes rendered by this process's passes, for tests and figures
        self.skipped = 0  # notes whose inputs were unchanged: not rendered

    def unchanged(self, note: str, inputs: str, sha256: str | None) -> bool:
        """Whether ``note``, now with the bytes of hash ``sha256``, was rendered from ``inputs`` into them."""
        same = sha256 is not None and self.recall(note, inputs) == sha256
        if same:
            self.skipped += 1
        return same

    def remember(self, note: str, inputs: str, sha256: str) -> None:
        self.keep(note, inputs, sha256)
        self.rendered += 1

    def recall(self, path: str, inputs: str) -> Any:
        """What was kept for ``path`` made from ``inputs``; None when it was made from others, or never."""
        with self._lock:
            entry = self._entry(path)
            if entry is None or entry[0] != inputs:
                return None
            self._use(path)
        return json.loads(entry[1])

    def knows(self, path: str) -> bool:
        """Whether anything is kept for ``path``, whatever it was made from."""
        with self._lock:
            return self._entry(path) is not None

    def keep(self, path: str, inputs: str, value: Any) -> None:
        """Keep ``value`` (JSON) as what ``inputs`` made for ``path``."""
        entry = (inputs, json.dumps(value, ensure_ascii=False))
        with self._lock:
            self._changed = True
            if self._connect() is None:
                self._memory[path] = entry
                return
            self._use(path)
            self._pending[path] = entry
            if len(self._pending) >= _PENDING:
                self._flush()

    def save(self, paths: Iterable[str]) -> None:
        """Keep what is known of ``paths`` (the files the vault's records still hold) and what this process
        used, in the memo's file; forget the rest."""
        with self._lock:
            db = self._connect()
            if db is None or not self._changed:
                return
            self._flush()
            self._flush_used()
            try:
                with db:
                    db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (path TEXT PRIMARY KEY)")
                    db.execute("DELETE FROM wanted")
                    db.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((path,) for path in paths))
                    db.execute("INSERT OR IGNORE INTO wanted SELECT path FROM used")
                    db.execute("DELETE FROM memo WHERE path NOT IN (SELECT path FROM wanted)")
                    db.execute("DELETE FROM wanted")
            except sqlite3.Error:
                pass  # a memo that keeps more than it needs costs only room
            self._changed = False

    def _entry(self, path: str) -> tuple[str, str] | None:
        entry = self._pending.get(path) or self._memory.get(path)
        db = self._connect()
        if entry is None and db is not None:
            try:
                entry = db.execute("SELECT inputs, value FROM memo WHERE path = ?", (path,)).fetchone()
            except sqlite3.Error:
                self._lose()
        return entry

    def _use(self, path: str) -> None:
        """Note that this process used ``path``'s entry: it outlives the next `save`."""
        if self._db is None:
            return  # the memo lasts this process: nothing is pruned
        self._used.append(path)
        if len(self._used) >= _PENDING:
            self._flush_used()

    def _flush_used(self) -> None:
        self._write_out("INSERT OR IGNORE INTO used VALUES (?)", [(path,) for path in self._used], self._used.clear)

    def _flush(self) -> None:
        self._write_out("INSERT OR REPLACE INTO memo (path, inputs, value) VALUES (?, ?, ?)",
                        [(path, inputs, value) for path, (inputs, value) in self._pending.items()],
                        self._pending.clear)

    def _write_out(self, statement: str, rows: list[tuple[str, ...]], written: Callable[[], None]) -> None:
        """``rows`` into the memo's file in one transaction, then ``written``; a file that fails is let go."""
        if self._db is None or not rows:
            return
        try:
            with self._db:
                self._db.executemany(statement, rows)
            written()
        except sqlite3.Error:
            self._lose()

    def _connect(self) -> sqlite3.Connection | None:
        """The memo's database, opened (made) at the first question; None without a file, or when none can be
        had (a read-only vault): then the memo lasts this process."""
        if not self._opened:
            self._opened = True
            if self.path is not None:
                self._db = self._open(self.path)
        return self._db

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection | None:
        for attempt in range(2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, check_same_thread=False)
                db.execute("CREATE TABLE IF NOT EXISTS memo (path TEXT PRIMARY KEY, inputs TEXT NOT NULL, "
                           "value TEXT NOT NULL)")
                db.execute("CREATE TEMP TABLE used (path TEXT PRIMARY KEY)")
                path.with_name(_OLD_MEMO_FILENAME).unlink(missing_ok=True)
                return db
            except sqlite3.DatabaseError:  # damaged: every note is rendered again, into a new memo
                if attempt == 0:
                    path.unlink(missing_ok=True)
            except (OSError, sqlite3.Error):
                return None
        return None

    def _lose(self) -> None:
        """The file failed under us: what is kept from now on lasts this process."""
        self._memory.update(self._pending)
        self._pending.clear()
        self._used.clear()
        if self._db is not None:
            self._db.close()
        self._db = None


def inputs_digest(*parts: object) -> str:
    """A digest of a note's inputs (JSON-able ``parts``) and of the code and YAML library that render it."""
    digest = hashlib.sha256(code_digest().encode("ascii"))
    digest.update(json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8"))
    return digest.hexdigest()


@functools.cache
def code_digest() -> str:
    """The tubenotes package's source, and the YAML library's version: a change to either renders every note again."""
    digest = hashlib.sha256(yaml.__version__.encode("ascii"))
    package = Path(tubenotes.__file__).parent
    for folder, folders, files in sorted(os.walk(package)):
        folders.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                path = Path(folder) / name
                digest.update(path.relative_to(package).as_posix().encode("utf-8"))
                digest.update(path.read_bytes())
    return digest.hexdigest()
