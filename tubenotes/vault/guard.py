"""The user-edit guard: every file tubenotes writes is recorded with its hash, and a
file whose bytes no longer match what was written is the user's and is never
overwritten (unless forced): the new version lands beside it instead.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from tubenotes.regular_files import NotRegularFile, open_regular
from tubenotes.store import FileRecord
from tubenotes.vault.adopt import HEAD_BYTES, written_by_tubenotes
from tubenotes.vault.files import StagedFile, atomic_write_bytes

# The new version of a file the user edited goes to "Name (new).md".
BESIDE_MARK = "new"
BESIDE_KIND = "beside"


class FileRecords(Protocol):
    """Where the hashes of written files are kept: the JobStore, or MemoryRecords."""

    def file_record(self, path: str) -> FileRecord | None: ...

    def begin_write(self, path: str, sha256: str, kind: str, job_key: str | None) -> None: ...

    def end_write(self, path: str) -> None: ...

    def forget_file(self, path: str) -> None: ...

    def file_records(self, kind: str | None = None, job_key: str | None = None) -> list[FileRecord]: ...


class MemoryRecords:
    """FileRecords that forget at exit: for a single stage run without a store, and tests."""

    def __init__(self) -> None:
        self._records: dict[str, FileRecord] = {}
        self._lock = threading.Lock()

    def file_record(self, path: str) -> FileRecord | None:
        return self._records.get(path)

    def begin_write(self, path: str, sha256: str, kind: str, job_key: str | None) -> None:
        with self._lock:
            old = self._records.get(path)
            self._records[path] = FileRecord(path, job_key, kind, old.sha256 if old else None, sha256)

    def end_write(self, path: str) -> None:
        with self._lock:
            record = self._records[path]
            self._records[path] = replace(record, sha256=record.pending_sha256, pending_sha256=None)

    def forget_file(self, path: str) -> None:
        with self._lock:
            self._records.pop(path, None)

    def file_records(self, kind: str | None = None, job_key: str | None = None) -> list[FileRecord]:
        return sorted(
            (r for r in self._records.values()
             if (kind is None or r.kind == kind) and (job_key is None or r.job_key == job_key)),
            key=lambda r: r.path,
        )


class FileState(StrEnum):
    MISSING = "missing"  # never written, or deleted by the user
    OURS = "ours"  # exactly as tubenotes wrote it
    EDITED = "edited"  # written by tubenotes, changed by the user since
    FOREIGN = "foreign"  # not written by tubenotes (or before it kept hashes)


class WriteOutcome(StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"  # the same bytes were there already
    BESIDE = "beside"  # the target is the user's: the new version went beside it


@dataclass(frozen=True)
class Seen:
    """A file as it is on disk now: read and hashed once, for every decision about it."""

    state: FileState
    sha256: str | None  # of its bytes; None when missing


@dataclass(frozen=True)
class WriteResult:
    target: Path
    path: Path  # where the bytes are: the target, or the file beside it
    outcome: WriteOutcome

    def warning(self, root: Path) -> str | None:
        if self.outcome is not WriteOutcome.BESIDE:
            return None
        return (f"{self.target.relative_to(root)} was edited since tubenotes wrote it: kept as it is, the new "
                f"version is {self.path.name} (merge by hand, or pass --force to overwrite)")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_file(path: Path) -> str:
    """The hash of the regular file at ``path``, read in chunks; NotRegularFile for a pipe or device."""
    with open_regular(path) as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


class GuardedFiles:
    """Writes into the vault under ``root``, keeping every hash in ``records``."""

    def __init__(self, root: Path, records: FileRecords) -> None:
        self.root = root
        self.records = records

    def key(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def look(self, path: Path) -> Seen:
        try:
            digest = sha256_of_file(path)
        except FileNotFoundError:
            return Seen(FileState.MISSING, None)
        except NotRegularFile:  # a pipe or a device where a note would go: not ours, left alone
            return Seen(FileState.FOREIGN, None)
        record = self.records.file_record(self.key(path))
        if record is None:
            return Seen(FileState.FOREIGN, digest)
        return Seen(FileState.OURS if record.is_ours(digest) else FileState.EDITED, digest)

    def state(self, path: Path) -> FileState:
        return self.look(path).state

    def recorded_path(self, job_key: str, kind: str) -> Path | None:
        """The file last written for a job's note of ``kind``, whether or not it still exists."""
        records = self.records.file_records(kind=kind, job_key=job_key)
        return self.root / records[0].path if records else None

    def write(self, path: Path, data: bytes, kind: str, job_key: str | None = None,
              force: bool = False, seen: Seen | None = None) -> WriteResult:
        """``data`` at ``path``, or beside it when the user owns ``path`` (unless ``force``).

        ``seen`` is ``look(path)`` when the caller has just made it: the file is not read again.
        """
        return self._write(path, data, data, kind, job_key, force, seen)

    def write_chunks(self, path: Path, chunks: Iterable[bytes], kind: str, job_key: str | None = None,
                     force: bool = False) -> WriteResult:
        """`write` for bytes made in pieces (a course's study guide or map of thousands of lectures): they
        go into a temporary file as they come, and are never held whole."""
        pieces = iter(chunks)
        head = bytearray()
        for chunk in pieces:
            head += chunk
            if len(head) >= HEAD_BYTES:
                break
        return self._write(path, bytes(head), itertools.chain((bytes(head),), pieces), kind, job_key, force, None)

    def _write(self, path: Path, head: bytes, data: bytes | Iterator[bytes], kind: str, job_key: str | None,
               force: bool, seen: Seen | None) -> WriteResult:
        seen = seen if seen is not None else self.look(path)
        if seen.state is FileState.FOREIGN and written_by_tubenotes(path, head):
            seen = replace(seen, state=FileState.OURS)  # ours by what it is: the store that knew it was lost
        if force or seen.state in (FileState.MISSING, FileState.OURS):
            return WriteResult(path, path, self._put(path, data, kind, job_key, seen))
        beside, beside_seen = self._beside(path)
        self._put(beside, data, BESIDE_KIND, job_key, beside_seen)
        return WriteResult(path, beside, WriteOutcome.BESIDE)

    def destination(self, path: Path) -> Path:
        """Where `write` puts new bytes for ``path`` (unforced): ``path``, or beside it when the user owns it."""
        return path if self.state(path) in (FileState.MISSING, FileState.OURS) else self._beside(path)[0]

    def delete_if_ours(self, path: Path) -> bool:
        """Remove a file tubenotes wrote and nobody changed; a changed one stays."""
        state = self.state(path)
        if state is FileState.OURS:
            path.unlink()
        if state in (FileState.OURS, FileState.MISSING):
            self.records.forget_file(self.key(path))
            return True
        return False

    def _put(self, path: Path, data: bytes | Iterator[bytes], kind: str, job_key: str | None,
             seen: Seen) -> WriteOutcome:
        if not isinstance(data, bytes):
            return self._put_chunks(path, data, kind, job_key, seen)
        key, digest = self.key(path), sha256_of(data)
        record = self.records.file_record(key)
        if seen.sha256 == digest and record is not None and record.sha256 == digest:
            return WriteOutcome.UNCHANGED
        self.records.begin_write(key, digest, kind, job_key)
        atomic_write_bytes(path, data)
        self.records.end_write(key)
        return WriteOutcome.WRITTEN

    def _put_chunks(self, path: Path, chunks: Iterator[bytes], kind: str, job_key: str | None,
                    seen: Seen) -> WriteOutcome:
        """`_put` of bytes in pieces: staged as they come, hashed on the way, and put in place unless they
        are the bytes already there."""
        key = self.key(path)
        staged = StagedFile(path)
        try:
            hashed = hashlib.sha256()
            for chunk in chunks:
                hashed.update(chunk)
                staged.write(chunk)
            digest = hashed.hexdigest()
            record = self.records.file_record(key)
            if seen.sha256 == digest and record is not None and record.sha256 == digest:
                staged.discard()
                return WriteOutcome.UNCHANGED
            self.records.begin_write(key, digest, kind, job_key)
            staged.commit()
        except BaseException:
            staged.discard()
            raise
        self.records.end_write(key)
        return WriteOutcome.WRITTEN

    def _beside(self, path: Path) -> tuple[Path, Seen]:
        """The first ``Name (new N).md`` that is free or still ours to replace, and how it was seen."""
        number = 1
        while True:
            mark = BESIDE_MARK if number == 1 else f"{BESIDE_MARK} {number}"
            candidate = path.with_name(f"{path.stem} ({mark}){path.suffix}")
            seen = self.look(candidate)
            if seen.state in (FileState.MISSING, FileState.OURS):
                return candidate, seen
            number += 1
