"""The study guide: what the course covers, each lecture, its concepts, how they build, what to review when."""

from __future__ import annotations

from pathlib import Path

from tubenotes.course.material import Course, CourseConcept, CourseLecture
from tubenotes.text.markdown import escape, spaced, stamp, wikilink
from tubenotes.vault.frontmatter import render_front_matter, subject_tag
from tubenotes.vault.index import COURSE_KIND, canvas_path, exam_path, index_path, picture_path
from tubenotes.vault.links import link_path

# The course's most shared concepts, named in its overview.
CENTRAL_CONCEPTS = 6
# Before a lecture, review at most this many earlier concepts: those introduced most recently.
REVIEW_CONCEPTS = 6
# The map's picture goes into the guide up to this many lectures; past that it is too tall for a page.
PICTURE_LECTURES = 30


def render_guide(root: Path, course: Course) -> str:
    folder = course.folder
    matter = {
        "title": f"{course.subject} study guide",
        "subject": course.subject,
        "tags": ["tubenotes", "study-guide", subject_tag(folder.name)],
        "type": COURSE_KIND,
        "language": course.language,
    }
    lines = [render_front_matter(matter) + f"# {escape(course.subject)}: study guide", ""]
    lines += [" · ".join([
        wikilink(link_path(root, index_path(folder)), "Lectures and status"),
        wikilink(link_path(root, exam_path(folder)), "Final exam"),
        wikilink(link_path(root, canvas_path(folder)), "Concept map"),
    ]), ""]
    lines += _covers(root, course)
    lines += _lectures(root, course)
    lines += _concepts(root, course)
    lines += _builds(root, course)
    lines += _review(root, course)
    return "\n".join(lines).rstrip("\n") + "\n"


def _covers(root: Path, course: Course) -> list[str]:
    lectures = course.lectures
    lines = ["## What the course covers", ""]
    if course.overview:
        lines += [course.overview, ""]
    central = sorted(course.concepts, key=lambda c: (-len(c.lectures), c.first.number))[:CENTRAL_CONCEPTS]
    sentence = f"{len(lectures)} lectures, from {_lecture_link(lectures[0])} to {_lecture_link(lectures[-1])}."
    if central:
        names = _and([f"**{_concept_link(c)}**" for c in central])
        sentence += (f" The ideas that come back most often are {names}; the course introduces "
                     f"{len(course.concepts)} concepts that several lectures share.")
    lines += [sentence, ""]
    if len(lectures) <= PICTURE_LECTURES and course.concepts:
        lines += [f"![How the concepts connect](<{picture_path(course.folder).name}>)", ""]
    return lines


def _lectures(root: Path, course: Course) -> list[str]:
    lines = ["## The lectures", ""]
    for lecture in course.lectures:
        lines += [f"### {lecture.number}. {_lecture_link(lecture)}", ""]
        paragraph = " ".join(lecture.summary) or "Its notes have no summary yet."
        if lecture.introduces:
            paragraph += f" It introduces {_and([_concept_link(c) for c in lecture.introduces])}."
        earlier = sorted({id(c): c for c in lecture.uses}.values(), key=lambda c: c.first.number)
        if earlier:
            paragraph += f" It builds on {_and([_concept_link(c) for c in earlier[-REVIEW_CONCEPTS:]])}."
        lines += [paragraph, ""]
    return lines


def _concepts(root: Path, course: Course) -> list[str]:
    if not course.concepts:
        return []
    lines = ["## Concepts", "",
             "Each concept with a definition and the lecture that introduces it.", ""]
    for concept in sorted(course.concepts, key=lambda c: c.name.casefold()):
        introduced = spaced(f"introduced in {_short_link(concept.first)}", _at(concept.first, concept.at))
        lines.append(f"- **{_concept_link(concept)}**: {_definition(concept)} ({introduced})")
    return lines + [""]


def _builds(root: Path, course: Course) -> list[str]:
    """Concept by concept in the order the course introduces them: what each rests on, where it is used again."""
    lines = ["## How the ideas build", ""]
    built = [c for c in course.concepts if c.builds_on or len(c.lectures) > 1]
    if not built:
        return []
    for concept in built:
        parts = [f"Lecture {concept.first.number} introduces **{_concept_link(concept)}**"]
        if concept.builds_on:
            parts.append("on " + _and([f"{_concept_link(c)} ({c.first.number})" for c in concept.builds_on]))
        later = [lecture.number for lecture in concept.lectures[1:]]
        if later:
            parts.append(f"used again in lecture{'s' if len(later) > 1 else ''} {_numbers(later)}")
        lines.append("- " + ", ".join(parts) + ".")
    return lines + [""]


def _review(root: Path, course: Course) -> list[str]:
    lines = ["## Before each lecture", ""]
    any_review = False
    for lecture in course.lectures[1:]:
        earlier = sorted({id(c): c for c in lecture.uses}.values(), key=lambda c: (c.first.number, c.name))
        if not earlier:
            continue
        any_review = True
        items = [f"{_concept_link(c)} ({spaced(_short_link(c.first), _at(c.first, c.at))})"
                 for c in earlier[-REVIEW_CONCEPTS:]]
        lines.append(f"- **Before {_short_link(lecture, 'lecture')}** ({escape(lecture.title)}): review "
                     + _and(items) + ".")
    return lines + [""] if any_review else []


def _definition(concept: CourseConcept) -> str:
    if not concept.definition:
        return "(no lecture defines it in one sentence: see its note)"
    return f"“{concept.defined()}”" if concept.spoken else concept.defined()


def _lecture_link(lecture: CourseLecture) -> str:
    return wikilink(lecture.link, lecture.title)


def _short_link(lecture: CourseLecture, word: str = "lecture") -> str:
    return wikilink(lecture.link, f"{word} {lecture.number}")


def _concept_link(concept: CourseConcept) -> str:
    return wikilink(concept.link, concept.name)


def _at(lecture: CourseLecture, seconds: float | None) -> str:
    where = stamp(lecture.job, seconds)
    return f"at {where}" if where else ""


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _numbers(numbers: list[int]) -> str:
    return _and([str(n) for n in numbers])
