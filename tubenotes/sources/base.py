"""What a transcript source is: the seed's processor.

A source answers the seed's two calls. ``get_transcript(video_id)`` returns
a dict with at least ``transcript`` (the plain text) and, where known,
``segments`` (list of ``{"start", "duration", "text"}``), ``language``,
``track`` and ``chapters`` (list of ``{"start", "title"}``).
A source may also offer ``get_video_metadata(video_id)`` with channel,
duration, chapters, upload date and description.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from tubenotes.job import Chapter, VideoProcessingJob
from tubenotes.plaintext import clean_line

# (seconds of the recording done, seconds in all): called as a long reading of a recording goes on (Whisper's
# segments, the slides' keyframes). What it raises ends the reading there: Ctrl-C stops one so.
ProgressCallback = Callable[[float, float], None]
# job -> a callback for its reading's progress, or None (set by whoever shows progress).
ProgressFor = Callable[[VideoProcessingJob], ProgressCallback | None]


class TranscriptSource(Protocol):
    """The seed's processor: a transcript (a dict with ``transcript``, and optionally ``segments``,
    ``language``, ``track``, ``chapters``, ``duration``) and a title."""

    def get_transcript(self, video_id: str) -> dict[str, Any]: ...

    def get_video_title(self, video_id: str) -> str: ...


@runtime_checkable
class DescribedSource(TranscriptSource, Protocol):
    """A source that also knows the channel, duration, chapters and the like (the seed's does not)."""

    def get_video_metadata(self, video_id: str) -> VideoMetadata: ...


@dataclass
class VideoMetadata:
    title: str | None = None
    channel: str | None = None
    duration_seconds: float | None = None
    upload_date: str | None = None  # ISO date, YYYY-MM-DD
    description: str | None = None
    chapters: list[Chapter] = field(default_factory=list)
    youtube_id: str | None = None  # for a local transcript: the YouTube video it belongs to, if known

    def __post_init__(self) -> None:
        # What the uploader typed is data: one clean line for every name shown in a note or file name.
        self.title = clean_line(self.title) if self.title else self.title
        self.channel = clean_line(self.channel) if self.channel else self.channel
        self.chapters = [replace(chapter, title=clean_line(chapter.title)) for chapter in self.chapters]
