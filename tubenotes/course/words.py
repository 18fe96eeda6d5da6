"""The words of the study guide, final exam and concept map around the course's own, in the course's language:
tubenotes.text.labels, English for a language it has no words for."""

from __future__ import annotations

from tubenotes.course.material import CourseLecture
from tubenotes.text.labels import labels_for
from tubenotes.text.markdown import stamp, wikilink


class Words:
    def __init__(self, language: str | None) -> None:
        self.labels = labels_for(language)
        self.course = self.labels.course_material

    def and_(self, items: list[str]) -> str:
        """``items`` as a list in a sentence: "a, b and c"."""
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {self.course.conjunction} " + items[-1]

    def lecture_link(self, lecture: CourseLecture, capitalized: bool = False) -> str:
        """A short link to a lecture: "lecture 3" (or "Lecture 3")."""
        word = capital(self.course.lecture) if capitalized else self.course.lecture
        return wikilink(lecture.link, f"{word} {lecture.number}")

    def at(self, lecture: CourseLecture, seconds: float | None) -> str:
        """"at [12:34]", the moment linked; "" when the lecture has no times."""
        where = stamp(lecture.job, seconds)
        return f"{self.labels.said_at} {where}" if where else ""


def capital(text: str) -> str:
    """``text`` with a capital first letter, the rest as it is ("final exam": "Final exam")."""
    return text[:1].upper() + text[1:]
