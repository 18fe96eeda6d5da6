"""The course-level stage: a subject's study guide, final exam and concept map, once its lectures are written.

It runs inside the vault pass, over each subject (the fan-in: every lecture of
the subject is written by then), and writes through the edit guard like every
note: a file the user changed is kept and the new version goes beside it. Its
files are bytes made from the lectures, so a course that did not change gives
the same bytes, and nothing is written, printed again, or asked of a model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from tubenotes.course.canvas import canvas_chunks, lay_out
from tubenotes.course.exam import exam_cards, exam_questions, render_exam
from tubenotes.course.guide import guide_chunks
from tubenotes.course.material import Course, CourseConcept, CourseLecture, course_of
from tubenotes.course.picture import svg_chunks
from tubenotes.errors import ExportError, TubenotesError
from tubenotes.export.base import GuardedPdfExporter, PdfExporter
from tubenotes.job import TokenUsage
from tubenotes.text.markdown import spaced, stamp, wikilink
from tubenotes.vault.cards import Card
from tubenotes.vault.concepts import SubjectConcepts
from tubenotes.vault.filenames import PDF_SUBDIR
from tubenotes.vault.finish import CourseParts
from tubenotes.vault.guard import WriteOutcome
from tubenotes.vault.index import COURSE_KIND, COURSE_LECTURES, canvas_path, exam_path, guide_path, picture_path
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
        return CourseParts({c.key: concept_opening(c) for c in course.concepts}, exam_cards(questions), warnings)

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
