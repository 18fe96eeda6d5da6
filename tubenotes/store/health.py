"""Whether the vault's store is still the one a command opened, and readable at all.

SQLite keeps writing to a database file that was deleted while open, and reads
a garbage file only to fail at the first query: both must reach the user as one
message that names the file and what to do, not as a silent loss or a traceback.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from tubenotes.errors import StoreError


def _rebuild_hint(vault: Path) -> str:
    return f"run `tubenotes rebuild-store --vault {vault}` to rebuild it from the notes in the vault"


def check_readable(path: Path) -> None:
    """Raise StoreError if the database at ``path`` exists but SQLite cannot read it."""
    if not path.exists():
        return
    try:
        with _read_only(path) as db:
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        verdict = str(exc)
    if verdict != "ok":
        vault = path.parent.parent
        raise StoreError(
            f"the store {path} cannot be read ({verdict}): move it aside (mv '{path}' '{path}.broken') and "
            + _rebuild_hint(vault)
        )


@dataclass(frozen=True)
class StoreIdentity:
    """The database file a command opened: a file put in its place, or none, is not it."""

    path: Path
    device: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> StoreIdentity:
        stat = os.stat(path)
        return cls(path, stat.st_dev, stat.st_ino)

    def check_still_there(self, keys: Iterable[str]) -> None:
        """Raise StoreError if the file was deleted or replaced, or no longer holds the jobs ``keys``."""
        vault = self.path.parent.parent
        lost = (f"the store {self.path} vanished during this run (deleted or emptied): the notes written are in "
                f"the vault, but what tubenotes knew of them is lost; " + _rebuild_hint(vault))
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise StoreError(lost) from None
        if (stat.st_dev, stat.st_ino) != (self.device, self.inode):
            raise StoreError(lost)
        wanted = sorted(set(keys))
        try:  # a connection of its own: the command's sees what it wrote, whatever became of the file
            with _read_only(self.path) as db:
                found = sum(db.execute("SELECT COUNT(*) FROM jobs WHERE key = ?", (key,)).fetchone()[0]
                            for key in wanted)
        except sqlite3.DatabaseError:
            raise StoreError(lost) from None
        if found < len(wanted):
            raise StoreError(lost)


def _read_only(path: Path) -> closing[sqlite3.Connection]:
    return closing(connect_read_only(path))


def connect_read_only(path: Path, **options: object) -> sqlite3.Connection:
    """A connection that writes nothing, also where nothing can be written (a read-only mount).

    There a WAL database whose last writer closed cleanly (no -wal file left) opens only as
    immutable: SQLite would otherwise need to create its shared-memory file beside it.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not writable_folder(path.parent) and not path.with_name(path.name + "-wal").exists():
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, timeout=30, **options)


def writable_folder(folder: Path) -> bool:
    """Whether files can be made in ``folder`` (false on a read-only mount, even for root)."""
    return os.access(folder, os.W_OK)
