"""The course-level stage: a subject's study guide, final exam and concept map, once its lectures are written.

It runs inside the vault pass, over each subject (the fan-in: every lecture of
the subject is written by then), and writes through the edit guard like every
note: a file the user changed is kept and the new version goes beside it. Its
files are bytes made from the lectures, so a course that did not change gives
the same bytes, and nothing is written, printed again, or asked of a model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from tubenotes.course.canvas import canvas_chunks, lay_out
from tubenotes.course.exam import EXAM_TAG, ExamQuestion, exam_cards, exam_questions, render_exam
from tubenotes.course.guide import guide_chunks
from tubenotes.course.material import Course, CourseConcept, CourseLecture, course_of
from tubenotes.course.picture import svg_chunks
from tubenotes.errors import ExportError, TubenotesError
from tubenotes.export.base import GuardedPdfExporter, PdfExporter
from tubenotes.job import TokenUsage
from tubenotes.regular_files import file_seen
from tubenotes.text.markdown import spaced, stamp, wikilink
from tubenotes.vault.cards import Card
from tubenotes.vault.concepts import SubjectConcepts
from tubenotes.vault.deck import LectureCards
from tubenotes.vault.filenames import PDF_SUBDIR
from tubenotes.vault.finish import CourseParts
from tubenotes.vault.guard import WriteOutcome
from tubenotes.vault.index import COURSE_KIND, COURSE_LECTURES, canvas_path, exam_path, guide_path, picture_path
from tubenotes.vault.memo import inputs_digest
from tubenotes.vault.writer import VaultWriter


class CourseModel(Protocol):
    """A model's part of the course (tubenotes.course.llm): an overview, definitions, "explain why" questions."""

    usage: TokenUsage  # what its answers cost so far (answers from the cache cost nothing)

    def enrich(self, course: Course) -> list[tuple[CourseLecture, Card]]:
        """Fill in ``course``'s overview and definitions; return its "explain why" questions."""
        ...


@dataclass
class CourseStage:
    """The stage, with what it prints PDFs with (None: no PDFs) and the model, if notes come from one."""

    exporter: PdfExporter | None = None
    model: CourseModel | None = None
    notice: Callable[[str], None] = print

    def __call__(self, writer: VaultWriter, concepts: SubjectConcepts) -> CourseParts:
        if len(concepts.jobs) < COURSE_LECTURES:
            withdraw(writer, concepts.folder)
            return CourseParts()
        inputs = None if self.model is not None else _course_inputs(concepts)
        made = _made_already(writer, concepts, inputs)
        if made is not None:
            return made
        course = course_of(concepts, writer.memo)
        explain = self._enrich(course)
        questions = exam_questions(course, explain)
        layout = lay_out(writer.root, course)
        root, folder = writer.root, course.folder
        warnings: list[str] = []
        # In pieces: the guide and map of a course of thousands of lectures are tens of MB each.
        written = {
            guide_path(folder): guide_chunks(root, course),
            exam_path(folder): iter((render_exam(root, course, questions),)),
            canvas_path(folder): canvas_chunks(layout),
            picture_path(folder): svg_chunks(layout),
        }
        changed = []
        for path, pieces in written.items():
            result = writer.files.write_chunks(path, encoded(pieces), COURSE_KIND)
            warning = result.warning(root)
            if warning:
                warnings.append(warning)
            if path.suffix == ".md":
                changed.append((result.path, result.outcome is not WriteOutcome.UNCHANGED))
        if self.exporter is not None:
            for markdown, new in changed:
                warnings += self._print(markdown, new)
        parts = CourseParts({c.key: concept_opening(c) for c in course.concepts}, exam_cards(questions), warnings)
        if inputs is not None and not warnings and self.exporter is None:
            _remember(writer, folder, inputs, parts, questions)
        return parts

    def _enrich(self, course: Course) -> list[tuple[CourseLecture, Card]]:
        if self.model is None:
            return []
        before = replace(self.model.usage)
        try:
            explain = self.model.enrich(course)
        except TubenotesError as exc:  # the lectures' own material still makes a course: written without it
            self.notice(f"{course.subject}: the model's part of the study guide and final exam failed ({exc}); "
                        "they are written from the lectures alone, and the next run asks again.")
            return []
        spent = self.model.usage
        if spent.calls > before.calls:
            tokens = spent.prompt_tokens + spent.completion_tokens - before.prompt_tokens - before.completion_tokens
            self.notice(f"{course.subject}: the study guide, final exam and concept map asked the model "
                        f"{spent.calls - before.calls} time(s), {tokens:,} tokens.")
        return explain

    def _print(self, markdown: Path, new: bool) -> list[str]:
        """The note's PDF in the subject's pdfs/ folder, unless the one there was printed from these bytes."""
        assert self.exporter is not None
        wanted = markdown.parent / PDF_SUBDIR / f"{markdown.stem}.pdf"
        exporter = self.exporter
        pdf = exporter.destination(wanted) if isinstance(exporter, GuardedPdfExporter) else wanted
        if not new and pdf.exists():
            return []
        try:
            pdf.parent.mkdir(parents=True, exist_ok=True)
            return [f"{pdf.name}: {warning}" for warning in exporter.markdown_to_pdf(markdown, pdf)]
        except (ExportError, OSError) as exc:
            return [f"{pdf.name} was not made: {exc}"]


def _course_inputs(concepts: SubjectConcepts) -> str | None:
    """A digest of all the course is made from without a model: its lectures (by their stores' stamps), its
    concepts and where they come up; None when a lecture has no stamp."""
    lectures = hashlib.sha256()
    for job in concepts.jobs:
        stamp = concepts.summaries.stamp(job)
        if stamp is None:
            return None
        lectures.update(json.dumps([job.key, stamp, concepts.note_link(job)]).encode("utf-8"))
    found = [[c.key, c.name, c.link, c.spellings, list(c.members), c.mentions] for c in concepts.concepts.values()]
    return inputs_digest("course", str(concepts.root), str(concepts.folder), concepts.language, lectures.hexdigest(),
                         found)


def _made_already(writer: VaultWriter, concepts: SubjectConcepts, inputs: str | None) -> CourseParts | None:
    """What the last pass's course stage gave, when it was made from ``inputs`` and its files are as it
    left them (the same size, time and inode): nothing made or written again."""
    folder = concepts.folder
    kept = None if inputs is None else writer.memo.recall(_course_key(writer, folder), inputs)
    if not kept or kept["files"] != _files_now(folder):
        return None
    exam = []
    for number, rows in kept["exam"]:
        job = concepts.jobs[number - 1]
        exam.append(LectureCards(job.video_id, job.video_title or job.video_id, [Card(*row) for row in rows],
                                 job.timestamp_url, (EXAM_TAG,)))
    return CourseParts(kept["definitions"], exam)


def _remember(writer: VaultWriter, folder: Path, inputs: str, parts: CourseParts,
              questions: list[ExamQuestion]) -> None:
    """What `_made_already` gives back: the concepts' openings, the exam's cards by lecture (as `exam_cards`
    groups them), the files as written."""
    exam: dict[int, list[list[object]]] = {}
    for question in questions:
        card = question.card
        exam.setdefault(question.lecture.number, []).append(
            [card.question, card.answer, card.context, card.where, card.cloze])
    writer.memo.keep(_course_key(writer, folder), inputs,
                     {"definitions": parts.definitions, "exam": list(exam.items()), "files": _files_now(folder)})


def _course_key(writer: VaultWriter, folder: Path) -> str:
    return "course:" + writer.files.key(folder)


def _files_now(folder: Path) -> list[list[int] | None]:
    """The size, time and inode of each of the course's files (None: none there)."""
    return [file_seen(path) for path in (guide_path(folder), exam_path(folder), canvas_path(folder),
                                         picture_path(folder))]


def encoded(pieces: Iterator[str], size: int = 1 << 16) -> Iterator[bytes]:
    """``pieces`` as UTF-8, gathered into blocks of about ``size`` bytes."""
    block: list[str] = []
    length = 0
    for piece in pieces:
        block.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(block).encode("utf-8")
            block, length = [], 0
    if block:
        yield "".join(block).encode("utf-8")


def withdraw(writer: VaultWriter, folder: Path) -> None:
    """A subject down to one lecture (the others' notes deleted) loses the course files tubenotes wrote,
    their PDFs too; a file the user changed stays."""
    for path in (guide_path(folder), exam_path(folder), canvas_path(folder), picture_path(folder)):
        if path.exists() and writer.files.delete_if_ours(path) and path.suffix == ".md":
            from tubenotes.export.pdf import is_own_pdf  # with Typst: only for a course that goes

            pdf = folder / PDF_SUBDIR / f"{path.stem}.pdf"
            if is_own_pdf(pdf):
                pdf.unlink()


def concept_opening(concept: CourseConcept) -> str:
    """What a concept note opens with: its definition, and where it is said."""
    if not concept.definition:
        return ""
    lecture = concept.definition_from or concept.first
    where = spaced(wikilink(lecture.link, lecture.title), stamp(lecture.job, concept.definition_at))
    if concept.spoken:
        return f"> “{concept.defined()}”\n> — {where}"
    return concept.defined()
