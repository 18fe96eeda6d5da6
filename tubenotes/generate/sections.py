"""Cutting a lecture into sections: by its chapters, by time, or by length."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from tubenotes.generate.sentences import Sentence
from tubenotes.job import Chapter

# About seven minutes: sections come out between five and ten minutes long.
WINDOW_SECONDS = 420
# About seven minutes of speech, for text without timing.
WINDOW_WORDS = 1000


@dataclass
class Section:
    start: float | None  # the chapter's start, or its first sentence's
    chapter: str | None  # the chapter's title, if the video has chapters
    sentences: list[Sentence]

    @property
    def word_count(self) -> int:
        return sum(len(sentence.tokens) for sentence in self.sentences)


def split_sections(sentences: Sequence[Sentence], chapters: Sequence[Chapter]) -> list[Section]:
    """Sections in spoken order; chapters only apply when the sentences are timed."""
    if not sentences:
        return []
    if sentences[0].start is None:
        return _by_length(sentences)
    if chapters:
        return _by_chapter(sentences, chapters)
    return _by_time(sentences)


def _by_chapter(sentences: Sequence[Sentence], chapters: Sequence[Chapter]) -> list[Section]:
    ordered: list[Chapter] = []
    for chapter in sorted(chapters, key=lambda chapter: chapter.start):
        if not ordered or chapter.start > ordered[-1].start:
            ordered.append(chapter)
    # A title is one heading line, whatever the video's description held.
    sections = [Section(chapter.start, " ".join(chapter.title.split()) or None, []) for chapter in ordered]
    starts = [chapter.start for chapter in ordered]
    for sentence in sentences:
        # Speech before the first chapter (an intro) belongs to the first chapter.
        number = max(bisect.bisect_right(starts, sentence.start or 0.0) - 1, 0)
        sections[number].sentences.append(sentence)
    return sections


def _by_time(sentences: Sequence[Sentence]) -> list[Section]:
    end = sentences[-1].start or 0.0
    count = max(1, round(end / WINDOW_SECONDS))
    width = end / count if end > 0 else 1.0
    groups: dict[int, list[Sentence]] = {}
    for sentence in sentences:
        groups.setdefault(min(count - 1, int((sentence.start or 0.0) / width)), []).append(sentence)
    return [Section(group[0].start, None, group) for _, group in sorted(groups.items())]


def _by_length(sentences: Sequence[Sentence]) -> list[Section]:
    total = sum(len(sentence.tokens) for sentence in sentences)
    count = max(1, round(total / WINDOW_WORDS))
    share = total / count
    sections: list[Section] = [Section(None, None, [])]
    said = 0
    for sentence in sentences:
        if sections[-1].sentences and said >= share * len(sections) and len(sections) < count:
            sections.append(Section(None, None, []))
        sections[-1].sentences.append(sentence)
        said += len(sentence.tokens)
    return sections
