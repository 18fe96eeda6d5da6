"""A store rebuilt from the vault: the notes tubenotes wrote say what it knew.

Each lecture's note and assessment (found by their properties) become a
completed job and file records with their hashes, as do the pictures of its
slides, the concept notes, subject indexes and decks. Generated text is not read back from the notes:
a rebuilt lecture's notes are kept as they are (the vault pass leaves them
alone) until ``run --regenerate`` asks for them anew.

Properties are text anyone can type: a note is a lecture's only where tubenotes
would have written it, in the folder of the subject it names, with a video id
that is an id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tubenotes.job import ProcessingStage, SourceKind, VideoProcessingJob
from tubenotes.plaintext import clean_line
from tubenotes.store import JobStore
from tubenotes.vault.adopt import is_tubenotes_note, properties_of_file, written_by_tubenotes
from tubenotes.vault.attachments import pictures_of_note
from tubenotes.vault.filenames import PDF_SUBDIR, sanitize_filename
from tubenotes.vault.guard import FileRecords, sha256_of_file
from tubenotes.vault.index import deck_path
from tubenotes.vault.links import markdown_files
from tubenotes.vault.slides import SLIDE_KIND

_LECTURE_TYPES = ("notes", "assessment")
# What tubenotes makes a video id of: YouTube's 11 characters, "file-" and a hash, nothing with a separator.
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class Rebuilt:
    jobs: int = 0  # lectures the store did not know
    files: int = 0  # files recorded with their hashes


def rebuild_store(vault: Path, store: JobStore, records: FileRecords) -> Rebuilt:
    """Record in ``records`` every file of ``vault`` that tubenotes wrote, and in ``store`` every lecture
    it did not know."""
    rebuilt = Rebuilt()
    lectures: dict[str, VideoProcessingJob] = {}
    next_position = store.next_position()
    for path in markdown_files(vault):
        # The properties first, from the file's head: only a note tubenotes wrote is read whole (to hash it),
        # and a pipe or device named *.md is never read (the same guards as the vault pass).
        matter = properties_of_file(path)
        if not is_tubenotes_note(matter):
            continue
        kind, key = matter["type"], None
        if kind in _LECTURE_TYPES:
            if not _where_tubenotes_writes_it(vault, path, matter):
                continue  # not recorded either: the file stays the user's
            key = _key(matter)
            if key not in lectures and store.load(key) is None:
                lectures[key] = _lecture(matter, next_position)
                next_position += 1
            if key in lectures:  # a lecture the store knows keeps what it knows
                _attach(lectures[key], kind, path)
        _record(records, vault, path, kind, key, rebuilt)
        if kind == "notes":
            for picture in pictures_of_note(path):
                _record(records, vault, picture, SLIDE_KIND, key, rebuilt)
    for folder in {path.parent for path in vault.rglob("*.apkg")}:
        deck = deck_path(folder)
        if deck.exists() and written_by_tubenotes(deck, b""):
            _record(records, vault, deck, "deck", None, rebuilt)
    for job in lectures.values():
        store.save(job)
    rebuilt.jobs = len(lectures)
    return rebuilt


def _where_tubenotes_writes_it(vault: Path, path: Path, matter: dict) -> bool:
    """Whether a lecture's note with these properties is one tubenotes could have written at ``path``."""
    subject, video_id = clean_line(str(matter.get("subject") or "")), str(matter.get("video_id") or "")
    return (bool(subject) and _VIDEO_ID.match(video_id) is not None and path.parent.parent == vault
            and path.parent.name.casefold() == sanitize_filename(subject).casefold())


def _key(matter: dict) -> str:
    return f"{clean_line(str(matter['subject'])).casefold()}/{matter['video_id']}"


def _lecture(matter: dict, position: int) -> VideoProcessingJob:
    source = str(matter.get("source") or matter["video_id"])
    title = clean_line(str(matter.get("title") or matter["video_id"])).removeprefix("Assessment: ")
    provider, model = matter.get("generator"), matter.get("model")
    return VideoProcessingJob(
        url=source, video_id=str(matter["video_id"]),
        source=SourceKind.YOUTUBE if source.startswith(("http://", "https://")) else SourceKind.FILE,
        subject=clean_line(str(matter["subject"])), language=matter.get("language"), position=position,
        video_title=title, channel=clean_line(str(matter["channel"])) if matter.get("channel") else None,
        generator=f"{provider}:{model}" if provider and model else provider,
        stage=ProcessingStage.COMPLETED,
    )


def _attach(job: VideoProcessingJob, kind: str, path: Path) -> None:
    pdf = path.parent / PDF_SUBDIR / f"{path.stem}.pdf"
    job.output_dir = path.parent
    if kind == "notes":
        job.notes_filepath, job.notes_pdf_path = path, pdf if pdf.exists() else None
    else:
        job.assessment_filepath, job.assessment_pdf_path = path, pdf if pdf.exists() else None


def _record(records: FileRecords, vault: Path, path: Path, kind: str, job_key: str | None, rebuilt: Rebuilt) -> None:
    relative = path.relative_to(vault).as_posix()
    if records.file_record(relative) is None:
        try:
            digest = sha256_of_file(path)
        except OSError:  # gone, or swapped for a pipe since its properties were read
            return
        records.begin_write(relative, digest, kind, job_key)
        records.end_write(relative)
        rebuilt.files += 1
