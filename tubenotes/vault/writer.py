"""The vault as the write stage sees it: note names, links, and the user-edit guard."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from tubenotes.job import VideoProcessingJob
from tubenotes.regular_files import file_seen
from tubenotes.vault.concepts import CONCEPT_KIND, SubjectConcepts
from tubenotes.vault.files import claim_stem
from tubenotes.vault.frontmatter import NoteKind
from tubenotes.vault.guard import (
    BESIDE_KIND, FileRecords, FileState, GuardedFiles, MemoryRecords, Seen, WriteResult, sha256_of,
)
from tubenotes.vault.index import COURSE_KIND, INDEX_KIND, index_path
from tubenotes.vault.links import VaultNotes, find_links, link_path
from tubenotes.vault.memo import RenderMemo, inputs_digest
from tubenotes.vault.notes import NoteContext, render_note
from tubenotes.vault.slides import put_pictures
from tubenotes.vault.summary import LectureSummaries, assessment_links, note_links

ASSESSMENT_PREFIX = "Assessment_"
# The memo's entries of notes found as the last pass left them, by their file's size, time and inode.
_QUICK = "quick:"
# Where each kind of note links: from the lecture's summary, without its documents.
_LINKS = {"notes": ("links", note_links, "study_notes"), "assessment": ("assessment links", assessment_links,
                                                                         "assessment_content")}
# Files tubenotes makes for the vault, not for one lecture: never a target of a lecture's links by name.
_OWN_KINDS = (CONCEPT_KIND, INDEX_KIND, COURSE_KIND, BESIDE_KIND)
# The same by their properties, for when the store that knew them is lost.
_OWN_TYPES = (CONCEPT_KIND, INDEX_KIND, COURSE_KIND)


class VaultWriter:
    """Writes a job's notes with their links resolved, never over a file the user changed.

    ``force`` overwrites changed files in the write stage (``--force``); the
    vault pass (`tubenotes.vault.finish`) never does.
    """

    def __init__(self, root: Path, records: FileRecords | None = None, force: bool = False,
                 memo: RenderMemo | None = None) -> None:
        self.root = root
        self.files = GuardedFiles(root, records if records is not None else MemoryRecords())
        self.force = force
        # What each note was last rendered from by a vault pass: unchanged inputs, unchanged note.
        self.memo = memo if memo is not None else RenderMemo()
        self._notes: VaultNotes | None = None
        self._concepts: dict[Path, SubjectConcepts] = {}
        # Several lectures are written at once (their files' syncs to disk overlap): a name is claimed under
        # this lock, and stays taken until its file is on disk.
        self._claiming = threading.Lock()
        self._taken: set[Path] = set()

    # --- what links can point to ------------------------------------------------

    def vault_notes(self) -> VaultNotes:
        """The vault's notes by name, scanned once until `forget_scan`."""
        if self._notes is None:
            own = [link_path(self.root, self.root / r.path)
                   for kind in _OWN_KINDS for r in self.files.records.file_records(kind=kind)]
            self._notes = VaultNotes.scan(self.root, skip=own, skip_types=_OWN_TYPES, memo=self.memo)
        return self._notes

    def forget_scan(self) -> None:
        self._notes = None

    def use_concepts(self, concepts: SubjectConcepts) -> None:
        self._concepts[concepts.folder] = concepts

    def context(self, job: VideoProcessingJob, deleted: frozenset[Path] = frozenset()) -> NoteContext:
        assert job.output_dir is not None
        concepts = self._concepts.get(job.output_dir)
        # The index is linked once it exists, or while the vault pass (which writes it) is at its folder.
        index = index_path(job.output_dir)
        linked_index = index if concepts is not None or index.exists() else None
        if concepts is None:  # before the first vault pass: links go to notes that exist, or become text
            concepts = SubjectConcepts(self.root, job.output_dir, [], self.vault_notes())
        return NoteContext(self.root, concepts.resolver(job), linked_index, tuple(concepts.related(job)), deleted)

    # --- the write stage ----------------------------------------------------------

    def write_job(self, job: VideoProcessingJob, output_dir: Path, sanitizer: Callable[[str], str]) -> list[str]:
        """Write both files of ``job`` and set its paths; returns warnings for files the user had changed."""
        previous = self.files.recorded_path(job.key, "notes")
        with self._claiming:
            if previous is not None and previous.parent == output_dir:
                stem = previous.stem  # a video renamed on YouTube keeps its file, so links to it hold
            else:
                stem = claim_stem(output_dir, sanitizer(job.video_title or job.video_id), job.video_id,
                                  taken=self._taken)
            claimed = {output_dir / f"{prefix}{stem}.md" for prefix in ("", ASSESSMENT_PREFIX)}
            self._taken |= claimed
        job.output_dir = output_dir
        job.notes_filepath = output_dir / f"{stem}.md"
        job.assessment_filepath = output_dir / f"{ASSESSMENT_PREFIX}{stem}.md" if job.assessment_content else None
        try:
            pictures = [warning for result in put_pictures(self.files, job, output_dir, stem, self.force)
                        for warning in self._warn(job, result)]
            return pictures + self._write_notes(job, force=self.force)
        except BaseException:
            job.notes_filepath = job.assessment_filepath = None  # not written: the stage must run again
            raise
        finally:
            with self._claiming:
                self._taken -= claimed

    def refresh_job(self, job: VideoProcessingJob, stamp: str | None = None) -> list[Path]:
        """Rewrite ``job``'s files that are still as tubenotes wrote them (new links); returns deleted ones.
        With ``stamp`` (the store's, of the job as read), each file left as made from these inputs is
        remembered by its size, time and inode, for `refreshed_already`."""
        paths = _paths(job)
        seen = {kind: self.files.look(path) for kind, path in paths.items()}  # each file read once
        deleted = [paths[kind] for kind, look in seen.items() if look.state is FileState.MISSING]
        self._write_notes(job, force=False, only_ours=seen, deleted=frozenset(deleted),
                          stamp=None if deleted else stamp)
        return deleted

    def refreshed_already(self, job: VideoProcessingJob, summaries: LectureSummaries) -> bool:
        """Whether `refresh_job` would leave every file of ``job`` (listed without its documents) as it is:
        each still the file the last pass left (the same size, time and inode) as made from the same
        inputs (the job as stamped, where its links go, its context). Nothing is read but the lecture's
        summary and the files' metadata."""
        stamp = summaries.stamp(job)
        paths = _paths(job)
        notes = {kind: _QUICK + self.files.key(path) for kind, path in paths.items()}
        if stamp is None or not paths or not all(self.memo.knows(note) for note in notes.values()):
            return False
        context = self.context(job)
        for kind, path in paths.items():
            name, compute, document = _LINKS[kind]
            inputs = _quick_inputs(kind, stamp, context, summaries.fact(job, name, compute, (document,)), path)
            if inputs is None or self.memo.recall(notes[kind], inputs) is None:
                return False
        self.memo.skipped += len(paths)
        return True

    def _write_notes(self, job: VideoProcessingJob, force: bool, only_ours: dict[NoteKind, Seen] | None = None,
                     deleted: frozenset[Path] = frozenset(), stamp: str | None = None) -> list[str]:
        """Render and write the job's files; with ``only_ours``, only those seen as tubenotes wrote them."""
        context = self.context(job, deleted)
        warnings = []
        as_saved = None  # the job's JSON, for both its notes' inputs
        for kind, path in _paths(job).items():
            seen = only_ours.get(kind) if only_ours is not None else None
            if only_ours is not None and (seen is None or seen.state is not FileState.OURS):
                continue
            inputs = note = None
            if seen is not None:  # the vault pass: a note rendered from the same inputs would be the same bytes
                as_saved = as_saved or job.to_json(self.root)
                note, inputs = self.files.key(path), _inputs(job, as_saved, kind, context)
                if self.memo.unchanged(note, inputs, seen.sha256):
                    self._keep_quick(job, kind, path, context, stamp)
                    continue
            data = render_note(job, kind, context).encode("utf-8")
            result = self.files.write(path, data, kind, job.key, force, seen=seen)
            if note is not None and inputs is not None and result.path == path:
                self.memo.remember(note, inputs, sha256_of(data))
                self._keep_quick(job, kind, path, context, stamp)
            warnings += self._warn(job, result)
        return warnings

    def _keep_quick(self, job: VideoProcessingJob, kind: NoteKind, path: Path, context: NoteContext,
                    stamp: str | None) -> None:
        if stamp is None:
            return
        targets = _LINKS[kind][1](job)
        inputs = _quick_inputs(kind, stamp, context, targets, path)
        if inputs is not None:
            self.memo.keep(_QUICK + self.files.key(path), inputs, True)

    def _warn(self, job: VideoProcessingJob, result: WriteResult) -> list[str]:
        warning = result.warning(self.root)
        if warning is None:
            return []
        if warning not in job.warnings:
            job.warnings.append(warning)
        return [warning]


def _inputs(job: VideoProcessingJob, as_saved: str, kind: NoteKind, context: NoteContext) -> str:
    """The digest of all a note of ``kind`` is rendered from: the job (``as_saved``, its JSON), where each of
    its links goes, and the rest of its context."""
    body = (job.study_notes if kind == "notes" else job.assessment_content) or ""
    return inputs_digest(kind, as_saved, *_context_parts(context, [link.target for link in find_links(body)]))


def _context_parts(context: NoteContext, targets: list[str]) -> list[object]:
    """What of a note's context it is rendered from: the vault, where each of its links goes, its index, its
    related lectures, the files deleted beside it."""
    return [str(context.root), [(target, context.resolve(target)) for target in targets],
            None if context.index is None else str(context.index), context.related,
            sorted(str(path) for path in context.deleted)]


def _quick_inputs(kind: NoteKind, stamp: str, context: NoteContext, targets: list[str], path: Path) -> str | None:
    """The digest of a note's inputs as `_inputs`, the job by its stamp, and of its file's metadata; None
    when it is not a regular file."""
    seen = file_seen(path)
    if seen is None:
        return None
    return inputs_digest("quick", kind, stamp, *_context_parts(context, targets), seen)


def _paths(job: VideoProcessingJob) -> dict[NoteKind, Path]:
    paths: dict[NoteKind, Path] = {}
    if job.notes_filepath is not None:
        paths["notes"] = job.notes_filepath
    if job.assessment_filepath is not None:
        paths["assessment"] = job.assessment_filepath
    return paths
