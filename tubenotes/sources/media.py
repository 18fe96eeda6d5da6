"""Audio and video files as a transcript source: their speech, transcribed by Whisper.

A `MediaFileSource` is the seed's processor for one recording: a lecture's
mp4 from a university's video platform, a call's recording, or the audio
downloaded for a YouTube video without captions (then with that video's
metadata).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tubenotes.sources.base import ProgressCallback, VideoMetadata
from tubenotes.sources.local import title_from_name

if TYPE_CHECKING:
    from tubenotes.sources.speech import SpeechTranscriber

MEDIA_SUFFIXES = (".mp4", ".mkv", ".webm", ".mov", ".m4a", ".mp3", ".wav", ".ogg", ".opus", ".flac")


# Containers with a picture (for the slides); an audio file has nothing to show.
VIDEO_SUFFIXES = (".mp4", ".mkv", ".webm", ".mov")


def is_video_file(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


def is_media_file(path: Path) -> bool:
    return path.suffix.lower() in MEDIA_SUFFIXES


def find_media_files(folder: Path) -> list[Path]:
    """The audio and video files in the folder tree, hidden ones left out."""
    found = []
    for parent, subfolders, names in os.walk(folder):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        found.extend(Path(parent, name) for name in names if not name.startswith(".") and is_media_file(Path(name)))
    return sorted(found, key=lambda file: [part.casefold() for part in file.relative_to(folder).parts])


class MediaFileSource:
    """One recording as a `tubenotes.sources.base.TranscriptSource`; the `video_id` arguments are for the protocol."""

    def __init__(
        self,
        path: Path,
        transcriber: SpeechTranscriber,
        language: str | None,
        metadata: VideoMetadata | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.path = path
        self.transcriber = transcriber
        self.language = language
        self.metadata = metadata or VideoMetadata()
        self.on_progress = on_progress

    def get_transcript(self, video_id: str) -> dict[str, Any]:
        transcript = self.transcriber.transcribe(self.path, self.language, self.on_progress)
        transcript["chapters"] = [dataclasses.asdict(chapter) for chapter in self.metadata.chapters]
        return transcript

    def get_video_title(self, video_id: str) -> str:
        return self.metadata.title or title_from_name(self.path)

    def get_video_metadata(self, video_id: str) -> VideoMetadata:
        return dataclasses.replace(self.metadata, title=self.get_video_title(video_id),
                                   chapters=list(self.metadata.chapters))
