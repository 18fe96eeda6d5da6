"""The vault pass after each batch: concepts, links, subject indexes and flashcard decks.

It runs single-threaded once the runner is done, over every job of the vault,
so links between lectures of different batches are made too. It rewrites only
files still exactly as tubenotes wrote them, and reports notes the user deleted.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, get_args

from tubenotes.vault.deck import DECK_KIND, LectureCards, LectureStream, write_deck
from tubenotes.job import VideoProcessingJob
from tubenotes.store.documents import DocumentReader, HeldDocuments
from tubenotes.text.language import most_common_language
from tubenotes.vault.cards import Card, cards_of
from tubenotes.vault.concepts import CONCEPT_KIND, CONCEPTS_DIRNAME, SubjectConcepts
from tubenotes.vault.filenames import subject_dir
from tubenotes.vault.frontmatter import NoteKind, subject_tag
from tubenotes.vault.index import INDEX_KIND, deck_path, index_path, render_index
from tubenotes.vault.links import normalize
from tubenotes.vault.slides import card_picture
from tubenotes.vault.summary import LectureSummaries, assessment_links, has_notes, note_links, spoken_language
from tubenotes.vault.writer import VaultWriter

# How many deleted notes the summary line names before it says "and N more".
_NAMED_DELETIONS = 3


@dataclass
class CourseParts:
    """What the course-level stage gives the vault pass for one subject."""

    definitions: dict[str, str] = field(default_factory=dict)  # concept key -> the Markdown its note opens with
    exam: list[LectureCards] = field(default_factory=list)  # the final exam's questions, for the deck
    warnings: list[str] = field(default_factory=list)


class CourseStep(Protocol):
    """The course-level stage (tubenotes.course), run over each subject once its lectures are written."""

    def __call__(self, writer: VaultWriter, concepts: SubjectConcepts) -> CourseParts: ...


@dataclass
class VaultReport:
    """What the pass did that the user should hear about."""

    deleted: list[Path] = field(default_factory=list)  # notes the user deleted, left deleted
    warnings: list[str] = field(default_factory=list)  # files the user changed; their update went beside
    decks: list[Path] = field(default_factory=list)  # decks written
    changed_jobs: list[VideoProcessingJob] = field(default_factory=list)  # jobs with new warnings, to save

    def messages(self, root: Path) -> list[str]:
        lines = list(self.warnings)
        if self.deleted:
            names = ", ".join(str(path.relative_to(root)) for path in self.deleted[:_NAMED_DELETIONS])
            more = len(self.deleted) - _NAMED_DELETIONS
            lines.append(f"{len(self.deleted)} note(s) you deleted were left deleted: {names}"
                         + (f" and {more} more" if more > 0 else "")
                         + " (run again with --regenerate or --force to write them again)")
        lines += [f"Anki deck written: {deck.relative_to(root)}" for deck in self.decks]
        return lines


def folder_of(root: Path, job: VideoProcessingJob) -> Path:
    return job.output_dir if job.output_dir is not None else subject_dir(root, job.subject)


def by_folder(root: Path, jobs: Iterable[VideoProcessingJob]) -> dict[Path, list[VideoProcessingJob]]:
    groups: dict[Path, list[VideoProcessingJob]] = {}
    for job in sorted(jobs, key=lambda job: job.position):
        groups.setdefault(folder_of(root, job), []).append(job)
    return groups


def finish_vault(writer: VaultWriter, jobs: Iterable[VideoProcessingJob], anki: bool = True,
                 course: CourseStep | None = None, forced: Collection[Path] = (),
                 changed: Collection[str] | None = None, documents: DocumentReader = HeldDocuments()) -> VaultReport:
    """Bring every subject of ``jobs`` up to date: concept notes, links, index, deck, and with ``course``
    the course's own material.

    In the subject folders ``forced`` (those of a ``--force`` run's inputs), the index, concept notes and
    deck are written even over the user's edits; a lecture's own notes only ever in its write stage.
    With ``changed`` (the keys of the jobs changed since the last pass), only the subjects they touch
    are brought up to date: the others, their notes and decks, are left as the last pass made them.
    ``jobs`` may be listed without their documents, or as outlines (`VideoProcessingJob.keep_outline`):
    ``documents`` reads each lecture as stored, with its documents, when they are needed,
    so that the pass holds one lecture's documents at a time, beside what it keeps of each (its links,
    first mentions, cards).
    """
    report = VaultReport()
    writer.forget_scan()
    summaries = LectureSummaries(documents, writer.memo)
    groups = by_folder(writer.root, jobs)
    touched = set(groups) if changed is None else touched_subjects(groups, changed, summaries) | set(forced)
    for folder, subject_jobs in groups.items():
        if folder not in touched:
            continue
        force = folder in forced
        written = [job for job in subject_jobs if job.notes_filepath is not None]
        if not all(summaries.fact(job, "notes", has_notes, ("study_notes",)) for job in written):
            # A lecture known only from its note (a store rebuilt from the vault) has no text to link or
            # render: the subject's notes, concepts and deck stay as they are until it is regenerated.
            write_index(writer, folder, subject_jobs, report=report, force=force, summaries=summaries)
            continue
        present = [job for job in written if job.notes_filepath.exists()]
        existing = [path for path in _existing_concepts(writer, folder) if path.exists()]
        concepts = SubjectConcepts(writer.root, folder, present, writer.vault_notes(), existing, documents, summaries)
        writer.use_concepts(concepts)
        parts = course(writer, concepts) if course is not None and present else CourseParts()
        report.warnings += parts.warnings
        _write_concepts(writer, concepts, report, parts.definitions, force)
        _refresh_lectures(writer, written, summaries, report)
        if anki:
            _write_deck(writer, folder, subject_jobs[0].subject, deck_cards(written, summaries, writer.root, parts),
                        report, force)
        write_index(writer, folder, subject_jobs, concepts, report, force, summaries)
    writer.memo.save(record.path for kind in (*get_args(NoteKind), CONCEPT_KIND, DECK_KIND)
                     for record in writer.files.records.file_records(kind=kind))
    return report


def _refresh_lectures(writer: VaultWriter, written: list[VideoProcessingJob], summaries: LectureSummaries,
                      report: VaultReport) -> None:
    """Each lecture's files rewritten with the subject's links, read one lecture at a time (unless the
    last pass left them as these inputs make them)."""
    for listed in written:
        if not writer.refreshed_already(listed, summaries):
            job = summaries.documents.read(listed)  # every document: a job whose warnings change is saved
            warnings_before = len(job.warnings)
            deleted = writer.refresh_job(job, summaries.stamp(listed))
            report.deleted += deleted
            for path in deleted:
                message = f"{path.name} was deleted: left deleted (run with --regenerate or --force to rewrite it)"
                if message not in job.warnings:
                    job.warnings.append(message)
            if len(job.warnings) != warnings_before:
                report.changed_jobs.append(job)
            # What the next pass needs of it that it may not have asked yet, while it is read.
            summaries.facts(listed, {"cards": card_rows, "links": note_links, "assessment links": assessment_links},
                            (), read=job)
            del job


def touched_subjects(groups: dict[Path, list[VideoProcessingJob]], changed: Collection[str],
                     summaries: LectureSummaries | None = None) -> set[Path]:
    """The subject folders whose notes a change of the jobs ``changed`` may change: their own, and those
    whose lectures link a name that a changed lecture's note answers to (its file name or title)."""
    summaries = summaries if summaries is not None else LectureSummaries()
    touched = {folder for folder, jobs in groups.items() if any(job.key in changed for job in jobs)}
    names = {normalize(name) for jobs in groups.values() for job in jobs if job.key in changed
             for name in (job.notes_filepath.stem if job.notes_filepath else None, job.video_title) if name}
    for folder, jobs in groups.items():
        if folder not in touched and any(normalize(target) in names for job in jobs
                                         for target in summaries.fact(job, "links", note_links, ("study_notes",))):
            touched.add(folder)
    return touched


def write_index(writer: VaultWriter, folder: Path, jobs: Iterable[VideoProcessingJob],
                concepts: SubjectConcepts | None = None, report: VaultReport | None = None, force: bool = False,
                summaries: LectureSummaries | None = None, language: str | None = None) -> None:
    """The subject's index note, from the jobs as they are now, in input order; in ``language`` when given
    (``jobs`` are then read once: the live index streams them), else their transcripts', as ``summaries``
    knows them or reads them one at a time."""
    summaries = summaries if summaries is not None else LectureSummaries()
    if concepts is not None:
        paths = [concept.path for concept in concepts.concepts.values()]
    else:  # between vault passes: the concept notes the last pass wrote
        paths = [path for path in _existing_concepts(writer, folder) if path.exists()]
    if language is None:
        language = most_common_language(summaries.fact(job, "language", spoken_language, ("transcript",))
                                        for job in jobs)
    text = render_index(writer.root, folder, jobs, language, paths)
    result = writer.files.write(index_path(folder), text.encode("utf-8"), INDEX_KIND, force=force)
    warning = result.warning(writer.root)
    if warning and report is not None:
        report.warnings.append(warning)


def _write_deck(writer: VaultWriter, folder: Path, subject: str, cards: Iterable[LectureCards],
                report: VaultReport, force: bool) -> None:
    result = write_deck(writer.files, deck_path(folder), subject, cards, subject_tag(folder.name), force,
                        writer.memo)
    if result is None:
        return
    report.decks.append(result.path)
    warning = result.warning(writer.root)
    if warning:
        report.warnings.append(warning)


def deck_cards(written: list[VideoProcessingJob], summaries: LectureSummaries, root: Path,
               parts: CourseParts) -> LectureStream:
    """The subject's cards for its deck: each lecture's, from its summary, one lecture at a time each time
    the deck reads them; then the final exam's."""
    def lectures() -> Iterator[LectureCards]:
        for listed in written:
            if (lecture := lecture_cards(listed, summaries, root)) is not None:
                yield lecture
        yield from parts.exam

    return LectureStream(lectures)


def lecture_cards(listed: VideoProcessingJob, summaries: LectureSummaries, root: Path) -> LectureCards | None:
    """The cards of the lecture's assessment (None without one), with the slide each shows: from its
    summary, the deck keeps the cards and ``listed`` (the job without its documents)."""
    rows = summaries.fact(listed, "cards", card_rows, ("assessment_content", "slides"))
    if rows is None:
        return None
    cards = [Card(*row[:5]) for row in rows]
    pictures = {card: root / row[5] for card, row in zip(cards, rows) if row[5] is not None}
    return LectureCards(listed.video_id, listed.video_title or listed.video_id, cards, listed.timestamp_url,
                        picture_of=pictures.get)


def card_rows(job: VideoProcessingJob) -> list[list[object]] | None:
    """A lecture's cards as its summary keeps them (None: no assessment), each with its slide's picture."""
    if not job.assessment_content:
        return None
    return [[card.question, card.answer, card.context, card.where, card.cloze, card_picture(job, card)]
            for card in cards_of(job.assessment_content)]


def _write_concepts(writer: VaultWriter, concepts: SubjectConcepts, report: VaultReport,
                    definitions: dict[str, str], force: bool) -> None:
    index = index_path(concepts.folder)
    wanted = set()
    for concept in concepts.concepts.values():
        wanted.add(concept.path)
        text = concepts.render(concept, index, definitions.get(concept.key, ""))
        result = writer.files.write(concept.path, text.encode("utf-8"), CONCEPT_KIND, force=force)
        warning = result.warning(writer.root)
        if warning:
            report.warnings.append(warning)
    # A concept no longer shared (a lecture was regenerated) loses its note, unless the user wrote in it.
    for path in _existing_concepts(writer, concepts.folder):
        if path not in wanted:
            writer.files.delete_if_ours(path)


def _existing_concepts(writer: VaultWriter, folder: Path) -> list[Path]:
    concept_dir = folder / CONCEPTS_DIRNAME
    return [writer.root / record.path for record in writer.files.records.file_records(kind=CONCEPT_KIND)
            if (writer.root / record.path).parent == concept_dir]
