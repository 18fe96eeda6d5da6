"""Checking and assembling generated notes: timestamp links, and the pieces of a map/reduce."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from tubenotes.text.markdown import format_stamp

# A YouTube link with a time, in the forms models write: watch?v=ID&t=754s,
# youtu.be/ID?t=754, t=12m34s. Group "label" is the Markdown link text, if any.
_TIME_LINK = re.compile(
    r"(?:\[(?P<label>[^\]\n]*)\]\()?"
    r"https?://(?:www\.|m\.)?(?:youtube\.com/watch\?v=|youtu\.be/)[\w-]{6,}"
    r"(?:[?&][\w%.=-]*?)*?[?&#]t=(?P<t>[\dhms]+)(?:&[\w%.=-]*)*"
    r"(?(label)\))"
)
_TIME_PARTS = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")
_SECTION_HEADING = re.compile(r"^##[ \t]", re.MULTILINE)


def fix_timestamp_links(
    notes: str, timestamp_url: Callable[[float], str | None], duration: float | None
) -> tuple[str, int]:
    """Notes with every video-time link rewritten canonically; links past the end dropped.

    Returns the notes and how many links were dropped. A dropped link keeps
    its label as plain text, so no sentence loses words. For a transcript
    file (``timestamp_url`` gives None) every such link is dropped.
    """
    dropped = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal dropped
        seconds = _seconds(match.group("t"))
        label = match.group("label")
        url = timestamp_url(seconds) if seconds is not None else None
        if url is None or seconds < 0 or (duration is not None and seconds > duration):
            dropped += 1
            return label if label is not None else ""
        return f"[{label}]({url})" if label is not None else url

    return _TIME_LINK.sub(fix, notes), dropped


def _seconds(value: str) -> int | None:
    match = _TIME_PARTS.match(value)
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def assemble_reduced(overview: str, sections: Sequence[str]) -> str:
    """The final note of a long lecture: the overview's summary, every part's sections, then its tail.

    The parts' sections are kept word for word: a reduce step that rewrote
    them would have to fit three hours of notes into one answer.
    """
    head, rest = _split_summary(overview.strip())
    if not head.startswith("## "):
        head = "## Summary\n\n" + head
    return "\n\n".join(part.strip() for part in [head, *sections, rest] if part.strip()) + "\n"


def _split_summary(overview: str) -> tuple[str, str]:
    """The overview's summary and the sections after it, by heading position, not by the headings' words.

    The summary is the text before the first ``##`` heading when the model
    wrote it without one, else the first section. The headings are in the
    lecture's language, so their words cannot be matched.
    """
    starts = [match.start() for match in _SECTION_HEADING.finditer(overview)]
    if starts and starts[0] == 0:
        starts.pop(0)  # the summary's own heading
    if not starts:
        return overview, ""
    return overview[: starts[0]].strip(), overview[starts[0]:]


def chapter_lines(chapters: Sequence, fallback: str) -> str:
    """The chapter list for a prompt: ``[mm:ss] Title`` per line."""
    if not chapters:
        return fallback
    return "\n".join(f"[{format_stamp(c.start)}] {c.title}" for c in chapters)
