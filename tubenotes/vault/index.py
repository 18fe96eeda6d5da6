"""The subject index: a map of content listing every lecture of a subject in input order."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.text.labels import Labels, labels_for
from tubenotes.text.markdown import escape, wikilink
from tubenotes.vault.frontmatter import format_duration, public_source, render_front_matter, subject_tag
from tubenotes.vault.links import link_path

INDEX_KIND = "index"
# The kind (record and front matter) of what the course-level stage writes: study guide, final exam, concept map.
COURSE_KIND = "course"
# A subject gets its study guide, final exam and concept map from its second lecture on: for one lecture they
# would repeat its note and assessment (and map no concept, as concepts are what lectures share).
COURSE_LECTURES = 2
INDEX_SUFFIX = " index"


def index_path(folder: Path) -> Path:
    """``<Subject>/<Subject> index.md``: named after the folder, so it is unique in the vault."""
    return folder / f"{folder.name}{INDEX_SUFFIX}.md"


def deck_path(folder: Path) -> Path:
    return folder / f"{folder.name}.apkg"


# What the course-level stage (tubenotes.course) writes for a subject.
def guide_path(folder: Path) -> Path:
    return folder / f"{folder.name} study guide.md"


def exam_path(folder: Path) -> Path:
    return folder / f"Assessment_{folder.name} final exam.md"


def canvas_path(folder: Path) -> Path:
    return folder / f"{folder.name} concept map.canvas"


def picture_path(folder: Path) -> Path:
    return folder / f"{folder.name} concept map.svg"


def render_index(root: Path, folder: Path, jobs: Iterable[VideoProcessingJob], language: str | None,
                 concepts: Iterable[Path] = ()) -> str:
    """Each lecture with its note, assessment, PDFs, length and status, in ``language``; then the subject's concepts.

    ``jobs`` come in input order, and are read once: a subject of 100,000 lectures may come from the store a
    page at a time, and only its text is whole."""
    labels = labels_for(language)
    subject: str | None = None
    entries: list[str] = []
    count = done = notes = 0
    for job in jobs:
        subject = job.subject if subject is None else subject
        count += 1
        done += job.stage is ProcessingStage.COMPLETED
        if notes < COURSE_LECTURES:  # all the course section asks: whether there are that many notes
            notes += job.notes_filepath is not None and job.notes_filepath.exists()
        entries += _entry(root, count, job, labels)
    subject = subject if subject is not None else folder.name
    matter = {
        "title": f"{subject}{INDEX_SUFFIX}",
        "aliases": [subject] if subject != folder.name else [],
        "subject": subject,
        "tags": ["tubenotes", "index", subject_tag(folder.name)],
        "type": INDEX_KIND,
    }
    lines = [
        render_front_matter(matter) + f"# {escape(subject)}",
        "",
        labels.index_intro.format(count=count, done=done),
        "",
        f"## {labels.lectures}",
        "",
        *entries,
    ]
    concepts = sorted(concepts, key=lambda path: path.stem.casefold())
    if concepts:
        lines += ["", f"## {labels.concepts}", ""]
        lines += [f"- {wikilink(link_path(root, path), path.stem)}" for path in concepts]
    words = labels.course_material
    course = [(path, word) for path, word in ((guide_path(folder), words.study_guide), (exam_path(folder),
              words.final_exam), (canvas_path(folder), words.concept_map)) if path.exists()]
    if course:
        lines += ["", f"## {labels.course}", ""]
        lines += [f"- {wikilink(link_path(root, path), f'{subject} {word}')}" for path, word in course]
    elif notes < COURSE_LECTURES:
        lines += ["", f"## {labels.course}", "", labels.course_later]
    deck = deck_path(folder)
    if deck.exists():
        lines += ["", f"## {labels.flashcards}", "",
                  f"- {labels.anki_deck}: {wikilink(link_path(root, deck), deck.name)}"]
    return "\n".join(lines) + "\n"


def _entry(root: Path, number: int, job: VideoProcessingJob, labels: Labels) -> list[str]:
    title = job.video_title or public_source(job)
    note = job.notes_filepath
    head = wikilink(link_path(root, note), title) if note is not None and note.exists() else escape(title)
    facts = [fact for fact in (format_duration(job.duration_seconds), _status(job, labels)) if fact]
    lines = [f"{number}. {head} · " + " · ".join(facts)]
    assessment = job.assessment_filepath
    if assessment is not None and assessment.exists():
        lines.append(f"    - {labels.assessment}: {wikilink(link_path(root, assessment), labels.assessment)}")
    pdfs = [(label, pdf) for label, pdf in ((labels.study_notes, job.notes_pdf_path),
                                            (labels.assessment, job.assessment_pdf_path))
            if pdf is not None and pdf.exists()]
    if pdfs:
        lines.append("    - PDF: " + ", ".join(wikilink(link_path(root, pdf), label) for label, pdf in pdfs))
    if job.get_youtube_url():
        lines.append(f"    - {labels.video}: {job.get_youtube_url()}")
    return lines


def _status(job: VideoProcessingJob, labels: Labels) -> str:
    if job.stage is ProcessingStage.FAILED:
        reason = " ".join((job.error_message or job.error_kind or "unknown error").split())
        return f"{labels.failed}: {escape(reason)}"  # the reason as tubenotes gave it, in English
    if job.notes_filepath is not None and not job.notes_filepath.exists():
        return labels.note_deleted
    return labels.completed if job.stage is ProcessingStage.COMPLETED else labels.in_progress
