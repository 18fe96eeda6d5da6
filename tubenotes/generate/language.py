"""The language a lecture is in, as the offline generator finds it: from its words, the track's code a hint."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from tubenotes.generate.sentences import tokenize
from tubenotes.generate.stopwords import detect_language

if TYPE_CHECKING:
    from tubenotes.job import VideoProcessingJob

# Characters of a transcript enough to tell its language.
SAMPLE_CHARS = 20_000


def lecture_language(job: VideoProcessingJob) -> str | None:
    """"en", "de", "es", "fr", or None when no stop-word list fits the transcript."""
    return _language_of((job.transcript or "")[:SAMPLE_CHARS], job.language)


# The vault pass asks for each note's language four times (its note, its assessment, the
# concepts, the index); a sample is 20,000 characters, so 256 of them hold 5 MB at most.
@lru_cache(maxsize=256)
def _language_of(sample: str, hint: str | None) -> str | None:
    return detect_language(tokenize(sample), hint)


def common_language(jobs: Iterable[VideoProcessingJob]) -> str | None:
    """The language most of ``jobs`` are in (the first to come on a tie); jobs without a transcript
    (failed ones) have no say."""
    found = Counter(language for job in jobs if job.transcript and (language := lecture_language(job)))
    return found.most_common(1)[0][0] if found else None
