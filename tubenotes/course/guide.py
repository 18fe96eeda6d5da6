"""The study guide: what the course covers, each lecture, its concepts, how they build, what to review when."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path

from tubenotes.course.material import Course, CourseConcept, CourseLecture
from tubenotes.course.words import Words, capital
from tubenotes.text.markdown import escape, spaced, wikilink
from tubenotes.vault.frontmatter import render_front_matter, subject_tag
from tubenotes.vault.index import COURSE_KIND, canvas_path, exam_path, index_path, picture_path
from tubenotes.vault.links import link_path

# The course's most shared concepts, named in its overview.
CENTRAL_CONCEPTS = 6
# Before a lecture, review at most this many earlier concepts: those introduced most recently.
REVIEW_CONCEPTS = 6
# The map's picture goes into the guide up to this many lectures; past that it is too tall for a page.
PICTURE_LECTURES = 30


def guide_chunks(root: Path, course: Course) -> Iterator[str]:
    """The guide in pieces, a line at a time: a course of thousands of lectures is never held whole."""
    folder = course.folder
    words = Words(course.language)
    matter = {
        "title": f"{course.subject} {words.course.study_guide}",
        "subject": course.subject,
        "tags": ["tubenotes", "study-guide", subject_tag(folder.name)],
        "type": COURSE_KIND,
        "language": course.language,
    }
    lines = [render_front_matter(matter) + f"# {escape(course.subject)}: {words.course.study_guide}", ""]
    lines += [" · ".join([
        wikilink(link_path(root, index_path(folder)), words.course.lectures_and_status),
        wikilink(link_path(root, exam_path(folder)), capital(words.course.final_exam)),
        wikilink(link_path(root, canvas_path(folder)), capital(words.course.concept_map)),
    ]), ""]
    return joined(chain(lines, _covers(course, words), _lectures(course, words), _concepts(course, words),
                        _builds(course, words), _review(course, words)))


def joined(lines: Iterable[str]) -> Iterator[str]:
    """``"\n".join(lines).rstrip("\n") + "\n"`` in pieces: the newlines after a line are given out only
    once a line with text follows them."""
    pending = ""
    first = True
    for line in lines:
        piece = line if first else "\n" + line
        first = False
        text = piece.rstrip("\n")
        if text:
            yield pending + text
            pending = piece[len(text):]
        else:
            pending += piece
    yield "\n"


def _covers(course: Course, words: Words) -> list[str]:
    lectures = course.lectures
    lines = [f"## {words.course.covers}", ""]
    if course.overview:
        lines += [course.overview, ""]
    central = sorted(course.concepts, key=lambda c: (-len(c.lectures), c.first.number))[:CENTRAL_CONCEPTS]
    sentence = words.course.span.format(count=len(lectures), first=_title_link(lectures[0]),
                                        last=_title_link(lectures[-1]))
    if central:
        sentence += " " + words.course.central.format(names=words.and_([f"**{_concept_link(c)}**" for c in central]),
                                                      count=len(course.concepts))
    lines += [sentence, ""]
    if len(lectures) <= PICTURE_LECTURES and course.concepts:
        lines += [f"![{words.course.picture}](<{picture_path(course.folder).name}>)", ""]
    return lines


def _lectures(course: Course, words: Words) -> Iterator[str]:
    yield from [f"## {words.course.the_lectures}", ""]
    for lecture in course.lectures:
        yield from [f"### {lecture.number}. {_title_link(lecture)}", ""]
        paragraph = " ".join(lecture.summary) or words.course.no_summary
        if lecture.introduces:
            paragraph += " " + words.course.introduces.format(
                concepts=words.and_([_concept_link(c) for c in lecture.introduces]))
        earlier = sorted({id(c): c for c in lecture.uses}.values(), key=lambda c: c.first.number)
        if earlier:
            paragraph += " " + words.course.builds_on.format(
                concepts=words.and_([_concept_link(c) for c in earlier[-REVIEW_CONCEPTS:]]))
        yield from [paragraph, ""]


def _concepts(course: Course, words: Words) -> list[str]:
    if not course.concepts:
        return []
    lines = [f"## {words.labels.concepts}", "", words.course.concepts_intro, ""]
    for concept in sorted(course.concepts, key=lambda c: c.name.casefold()):
        introduced = spaced(words.course.introduced_in.format(lecture=words.lecture_link(concept.first)),
                            words.at(concept.first, concept.at))
        lines.append(f"- **{_concept_link(concept)}**: {_definition(concept, words)} ({introduced})")
    return lines + [""]


def _builds(course: Course, words: Words) -> list[str]:
    """Concept by concept in the order the course introduces them: what each rests on, where it is used again."""
    built = [c for c in course.concepts if c.builds_on or len(c.lectures) > 1]
    if not built:
        return []
    lines = [f"## {words.course.builds}", ""]
    for concept in built:
        parts = [words.course.build_introduces.format(number=concept.first.number,
                                                      concept=f"**{_concept_link(concept)}**")]
        if concept.builds_on:
            parts.append(words.course.build_on.format(
                concepts=words.and_([f"{_concept_link(c)} ({c.first.number})" for c in concept.builds_on])))
        later = [str(lecture.number) for lecture in concept.lectures[1:]]
        if later:
            used_again = words.course.used_again_many if len(later) > 1 else words.course.used_again_one
            parts.append(used_again.format(numbers=words.and_(later)))
        lines.append("- " + ", ".join(parts) + ".")
    return lines + [""]


def _review(course: Course, words: Words) -> Iterator[str]:
    heading = [f"## {words.course.before_each}", ""]  # once, before the first lecture with something to review
    for lecture in course.lectures[1:]:
        earlier = sorted({id(c): c for c in lecture.uses}.values(), key=lambda c: (c.first.number, c.name))
        if not earlier:
            continue
        items = [f"{_concept_link(c)} ({spaced(words.lecture_link(c.first), words.at(c.first, c.at))})"
                 for c in earlier[-REVIEW_CONCEPTS:]]
        yield from heading
        heading = []
        yield "- " + words.course.review_before.format(
            lecture=words.lecture_link(lecture), title=escape(lecture.title), concepts=words.and_(items))
    if not heading:
        yield ""


def _definition(concept: CourseConcept, words: Words) -> str:
    if not concept.definition:
        return words.course.no_definition
    return f"“{concept.defined()}”" if concept.spoken else concept.defined()


def _title_link(lecture: CourseLecture) -> str:
    return wikilink(lecture.link, lecture.title)


def _concept_link(concept: CourseConcept) -> str:
    return wikilink(concept.link, concept.name)
