"""A job's documents (transcript, segments, notes, assessment, description) as a store keeps them:
apart from the job's row, so that a stage transition rewrites only the ones that changed."""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tubenotes.job import Slide, TranscriptSegment, VideoProcessingJob, slide_dict

if TYPE_CHECKING:
    from tubenotes.store.base import JobStore

# The fields of a job kept apart: large, and each written once or twice in a job's life.
DOCUMENT_FIELDS = ("transcript", "segments", "study_notes", "assessment_content", "description", "slides")


def document_body(name: str, value: Any) -> str | None:
    if name == "segments":  # rows, not objects: a third of the size, and ten times faster than asdict
        return json.dumps([[s.start, s.duration, s.text] for s in value], ensure_ascii=False)
    if name == "slides":  # None (not read yet) and [] (none shown) differ
        return None if value is None else _slides_json(value)
    return value


def document_value(name: str, body: str | None) -> Any:
    if name == "segments":
        return [{"start": start, "duration": duration, "text": text}
                for start, duration, text in json.loads(body or "[]")]
    if name == "slides":
        return None if body is None else json.loads(body)
    return body


def fingerprint(value: str | list[TranscriptSegment] | list[Slide] | None) -> tuple[int, int] | None:
    """Whether a document changed since this process last saved or loaded it, without keeping it:
    Python caches a string's hash, so this costs about nothing once a document has been seen."""
    if value is None:
        return None
    if isinstance(value, str):
        return len(value), hash(value)
    if value and isinstance(value[0], Slide):
        return len(value), hash(_slides_json(value))  # type: ignore[arg-type]
    return len(value), hash(tuple((segment.start, segment.duration, segment.text) for segment in value))  # type: ignore[union-attr]


def _slides_json(slides: list[Slide]) -> str:
    return json.dumps([slide_dict(slide) for slide in slides], ensure_ascii=False)


class DocumentReader(Protocol):
    """A job's documents read when they are needed, so that a pass over a whole vault holds one
    lecture's documents at a time, not the vault's."""

    def read(self, job: VideoProcessingJob, names: Collection[str] = DOCUMENT_FIELDS) -> VideoProcessingJob:
        """The job ``job`` lists (without its documents, or only its outline) as stored, with its documents
        ``names``, read now; the caller lets it go when done. Save such a job only when it was read with
        every document."""
        ...

    def stamp(self, job: VideoProcessingJob) -> str | None:
        """What changes whenever ``job``'s documents (or its row) are saved again, read without them; None
        when the store keeps no such thing: then what the vault pass keeps of each lecture is not kept."""
        ...


class HeldDocuments:
    """Jobs that carry their documents already (the library API, tests): each is its own reading."""

    def read(self, job: VideoProcessingJob, names: Collection[str] = DOCUMENT_FIELDS) -> VideoProcessingJob:
        return job

    def stamp(self, job: VideoProcessingJob) -> str | None:
        return None


class StoreDocuments:
    """Each job's documents from its store: a row of the job and its documents, read one job at a time."""

    def __init__(self, store: JobStore) -> None:
        self.store = store

    def read(self, job: VideoProcessingJob, names: Collection[str] = DOCUMENT_FIELDS) -> VideoProcessingJob:
        return self.store.load(job.key) or job

    def stamp(self, job: VideoProcessingJob) -> str | None:
        return None


class SqliteDocuments:
    """Each job's documents from the SQLite store's own table: only the documents asked for, on the job as
    its row has it (the job listed may be an outline, `VideoProcessingJob.keep_outline`)."""

    def __init__(self, db: _Readable, vault: Path | None = None) -> None:
        self.db = db
        self.vault = vault
        self._stamps: dict[str, float] | None = None

    def read(self, job: VideoProcessingJob, names: Collection[str] = DOCUMENT_FIELDS) -> VideoProcessingJob:
        wanted = [name for name in DOCUMENT_FIELDS if name in names]
        row = self.db.read("SELECT data FROM jobs WHERE key = ?", [job.key])
        rows = self.db.read(f"SELECT name, body FROM job_documents WHERE job_key = ? AND name IN "
                            f"({','.join('?' * len(wanted))})", [job.key, *wanted])
        # A job gone from the store since it was listed: as listed.
        read = VideoProcessingJob.from_json(row[0][0], self.vault) if row else copy.copy(job)
        found = dict(rows)
        for name in wanted:
            setattr(read, name, _document(read, name, found[name]) if name in found else _EMPTY[name]())
        return read

    def stamp(self, job: VideoProcessingJob) -> str | None:
        """The time the job's row was last saved: every save writes the row, its changed documents with it
        (one transaction). Read for every job at once, at the first question: one pass, one vault."""
        if self._stamps is None:
            self._stamps = dict(self.db.read("SELECT key, updated_at FROM jobs"))
        saved = self._stamps.get(job.key)
        return None if saved is None else repr(saved)


# A document a job has not saved yet, as a new job has it.
_EMPTY = {name: (list if name == "segments" else lambda: None) for name in DOCUMENT_FIELDS}


def _document(job: VideoProcessingJob, name: str, body: str | None) -> Any:
    """A document as the job holds it: segments and slides as their objects, as a load makes them."""
    if name == "segments":  # the common case, directly: thousands of lectures in a vault pass
        return [TranscriptSegment(start, duration, text) for start, duration, text in json.loads(body or "[]")]
    if name == "slides":
        return VideoProcessingJob.from_dict({"url": job.url, "video_id": job.video_id,
                                             "slides": document_value(name, body)}).slides
    return body


class _Readable(Protocol):
    def read(self, query: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]: ...


def documents_of(store: JobStore) -> DocumentReader:
    """How to read the documents of ``store``'s jobs one job at a time."""
    from tubenotes.store.sqlite import SqliteStore  # it imports this module

    if isinstance(store, SqliteStore):
        return SqliteDocuments(store.db, store.vault)
    return StoreDocuments(store)
