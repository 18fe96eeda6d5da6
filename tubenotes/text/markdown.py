"""Small pieces of Obsidian Markdown shared by the offline notes and assessment."""

from __future__ import annotations

import re

from tubenotes.job import VideoProcessingJob

# Multiple-choice options are lettered; no question has more options than letters.
LETTERS = "ABCDEFGH"
# A fill-in question's gap, escaped so that Obsidian shows underscores, not emphasis.
BLANK = r"\_\_\_\_\_"
# Characters that Obsidian or pandoc would read as markup (emphasis, links, math, tags, tables).
_MARKUP = re.compile(r"([\\`*_\[\]<>$|~#])")


def format_stamp(seconds: float) -> str:
    """``mm:ss``, or ``h:mm:ss`` from an hour on."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def stamp(job: VideoProcessingJob, seconds: float | None) -> str:
    """``[mm:ss](link into the video)``, a plain ``[mm:ss]`` for local files, "" without timing."""
    if seconds is None:
        return ""
    seconds = max(seconds, 0.0)  # a caption timed before the start still links to the start
    label = f"[{format_stamp(seconds)}]"
    url = job.timestamp_url(seconds)
    return f"{label}({url})" if url else label


def escape(text: str) -> str:
    """Transcript text shown as text, never as markup."""
    return _MARKUP.sub(r"\\\1", text)


def spaced(*parts: str) -> str:
    """Parts joined by spaces, empty ones left out."""
    return " ".join(part for part in parts if part)


# A "]]" or "|" in a label would end the link early.
_LABEL_BREAKERS = re.compile(r"[\[\]|]")

def wikilink(destination: str, label: str | None = None) -> str:
    if label is not None:
        label = " ".join(_LABEL_BREAKERS.sub(" ", label).split())
    if not label or label == destination:
        return f"[[{destination}]]"
    return f"[[{destination}|{label}]]"
