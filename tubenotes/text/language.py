"""The language a lecture is in, as the offline generator finds it: from its words, the track's code a hint."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from tubenotes.text.stopwords import detect_language
from tubenotes.text.words import tokenize

if TYPE_CHECKING:
    from tubenotes.job import VideoProcessingJob

# Characters of a transcript enough to tell its language.
SAMPLE_CHARS = 20_000


def lecture_language(job: VideoProcessingJob) -> str | None:
    """"en", "de", "es", "fr", or None when no stop-word list fits the transcript."""
    return _language_of((job.transcript or "")[:SAMPLE_CHARS], job.language)


def _language_of(sample: str, hint: str | None) -> str | None:
    # The vault pass asks for each note's language four times (its note, its assessment, the concepts,
    # the index), for every lecture of a subject: remembered by the sample's length and hash, not the
    # sample itself (20,000 characters), so that a vault of any size is remembered whole.
    key = (len(sample), hash(sample), hint)
    language = _found.get(key, _UNKNOWN)
    if language is _UNKNOWN:
        if len(_found) >= _REMEMBERED:  # a worker that runs for weeks
            _found.clear()
        language = _found[key] = detect_language(tokenize(sample), hint)
    return language


# Lectures whose language is remembered: about 150 bytes each.
_REMEMBERED = 250_000
_found: dict[tuple[int, int, str | None], object] = {}
_UNKNOWN = object()


def common_language(jobs: Iterable[VideoProcessingJob]) -> str | None:
    """The language most of ``jobs`` are in (the first to come on a tie); jobs without a transcript
    (failed ones) have no say."""
    return most_common_language(lecture_language(job) for job in jobs if job.transcript)


def most_common_language(languages: Iterable[str | None]) -> str | None:
    """The language said most often (the first to come on a tie); None says nothing."""
    found = Counter(language for language in languages if language)
    return found.most_common(1)[0][0] if found else None
