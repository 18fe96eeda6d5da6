"""Transcript files on disk as a transcript source.

A `LocalTranscriptFile` is the seed's processor for one file: a WebVTT,
SubRip, plain-text or JSON transcript, with the metadata of a yt-dlp
``.info.json`` sidecar of the same base name when there is one
(``lecture.en.vtt`` beside ``lecture.info.json``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO

from tubenotes import regular_files
from tubenotes.errors import EmptyTranscriptError, InputError, PermanentError
from tubenotes.sources.base import VideoMetadata
from tubenotes.sources.formats import (
    SUPPORTED_SUFFIXES,
    MalformedTranscript,
    ParsedTranscript,
    decode_transcript_bytes,
    parse_transcript,
)

SIDECAR_SUFFIX = ".info.json"
# A language tag as yt-dlp and youtube-transcript-api put it in file names:
# "en", "de", "en-US", "zh-Hans", "en-orig". Two-letter codes only, so that a
# word such as "old" in "lecture.old.srt" is not taken for a language.
_LANGUAGE_TAG = re.compile(r"^[a-z]{2}(?:-[A-Za-z0-9]{2,8})*$")
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_CONTENT_ID_HEX_DIGITS = 12
# Ten hours of YouTube's auto-captions with word timings are about 8 MB; a file
# past this limit is no lecture transcript, and parsing it would take minutes and gigabytes.
MAX_TRANSCRIPT_BYTES = 16 * 1024 * 1024


def find_transcript_files(path: Path) -> list[Path]:
    """The transcript files `path` names: itself, or those in the folder tree, sorted.

    A folder is walked recursively; hidden files and folders, sidecars and
    files of other types are left out. A file named directly is returned as
    it is, so that a wrong type fails its job with a reason.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder; check the path")
    found = []
    for folder, subfolders, names in os.walk(path):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        found.extend(Path(folder, name) for name in names if _is_transcript_name(name))
    return sorted(found, key=lambda file: [(part.casefold(), part) for part in file.relative_to(path).parts])


def file_video_id(path: Path) -> str:
    """A stable id from the file's content: the same bytes give the same id wherever they lie.

    A file that cannot be read gets an id from its resolved path instead, so
    that its job exists and can fail with the reason.
    """
    try:
        with open_regular(path) as file:  # in chunks: a lecture's recording may be gigabytes
            digest = hashlib.file_digest(file, "sha256")
    except (OSError, PermanentError):
        digest = hashlib.sha256(b"unreadable:" + str(path.resolve()).encode("utf-8", "surrogateescape"))
    return "file-" + digest.hexdigest()[:_CONTENT_ID_HEX_DIGITS]


@contextmanager
def open_regular(path: Path) -> Iterator[BinaryIO]:
    """The regular file ``path`` (symlinks followed), open for reading; PermanentError for anything else."""
    try:
        with regular_files.open_regular(path) as file:
            yield file
    except regular_files.NotRegularFile as exc:
        raise PermanentError(f"{exc}; give a transcript file") from exc


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``; PermanentError past ``limit`` bytes or for anything else."""
    try:
        return regular_files.read_bounded(path, limit)
    except regular_files.NotRegularFile as exc:
        raise PermanentError(f"{exc}; give a transcript file") from exc
    except regular_files.FileTooLarge as exc:
        raise PermanentError(f"{exc}, which no lecture transcript is; "
                             "split it or give the lecture's own transcript") from exc


def language_from_name(path: Path) -> str | None:
    """The language tag before the suffix: "lecture.de.srt" -> "de"; None when there is none."""
    stem_parts = path.name.split(".")[1:-1]
    if stem_parts and _LANGUAGE_TAG.match(stem_parts[-1]):
        return stem_parts[-1]
    return None


def title_from_name(path: Path) -> str:
    """A title from the file name: "intro_to-thermo.en.vtt" -> "Intro To Thermo"."""
    words = re.split(r"[\s_\-.]+", _base_name(path))
    return " ".join(word[:1].upper() + word[1:] for word in words if word) or path.name


class LocalTranscriptFile:
    """One transcript file as a `tubenotes.sources.base.TranscriptSource`.

    The file is read on first use, not when the source is made. The
    `video_id` arguments are accepted for the protocol's sake: the file is
    the video.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def youtube_id(self) -> str | None:
        """The YouTube video the sidecar says the transcript belongs to, if any."""
        video_id = self._sidecar.get("id")
        return video_id if isinstance(video_id, str) and _YOUTUBE_ID.match(video_id) else None

    def get_transcript(self, video_id: str) -> dict[str, Any]:
        parsed = self._parsed
        return {
            "transcript": parsed.text,
            "segments": [dataclasses.asdict(segment) for segment in parsed.segments],
            "language": self._language(parsed),
            "track": f"file:{parsed.format}",
            "chapters": [dataclasses.asdict(chapter) for chapter in self._sidecar_metadata.chapters],
        }

    def get_video_title(self, video_id: str) -> str:
        return self._sidecar_metadata.title or title_from_name(self.path)

    def get_video_metadata(self, video_id: str) -> VideoMetadata:
        """The sidecar's metadata, with the title from the file name and the duration from the cues as fallbacks."""
        metadata = self._sidecar_metadata
        duration = metadata.duration_seconds
        if duration is None and self._parsed.segments:
            duration = max(segment.end for segment in self._parsed.segments)
        return dataclasses.replace(
            metadata,
            title=self.get_video_title(video_id),
            duration_seconds=duration,
            chapters=list(metadata.chapters),
            youtube_id=self.youtube_id,
        )

    @cached_property
    def _parsed(self) -> ParsedTranscript:
        try:
            data = read_bounded(self.path, MAX_TRANSCRIPT_BYTES)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise PermanentError(
                f"{self.path}: cannot read the transcript file ({reason}); "
                "check that it exists and is readable"
            ) from exc
        try:
            parsed = parse_transcript(decode_transcript_bytes(data), self.path.suffix)
        except MalformedTranscript as exc:
            raise PermanentError(
                f"{self.path}: not a usable transcript: {exc}; fix or convert the file "
                f"(supported: {', '.join(SUPPORTED_SUFFIXES)})"
            ) from exc
        if not parsed.text.strip():
            raise EmptyTranscriptError(
                f"{self.path}: the transcript has no text; give a file with the lecture's words"
            )
        return parsed

    @cached_property
    def _sidecar(self) -> dict[str, Any]:
        """The yt-dlp info of this file, or {} when there is no sidecar."""
        for candidate in _sidecar_candidates(self.path):
            if not candidate.is_file():
                continue
            try:
                info = json.loads(read_bounded(candidate, MAX_TRANSCRIPT_BYTES).decode("utf-8-sig"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError, PermanentError) as exc:
                raise PermanentError(
                    f"{candidate}: the yt-dlp info sidecar cannot be read ({exc}); fix or delete it"
                ) from exc
            if not isinstance(info, dict):
                raise PermanentError(
                    f"{candidate}: the yt-dlp info sidecar is not a JSON object; fix or delete it"
                )
            return info
        return {}

    @cached_property
    def _sidecar_metadata(self) -> VideoMetadata:
        from tubenotes.sources.youtube_metadata import metadata_from_info  # with requests: for sidecars only

        return metadata_from_info(self._sidecar)

    def _language(self, parsed: ParsedTranscript) -> str | None:
        """The tag in the file name (the user's word) before the file's header and the sidecar."""
        from tubenotes.sources.youtube_metadata import info_text

        return language_from_name(self.path) or parsed.language or info_text(self._sidecar, "language")


def _is_transcript_name(name: str) -> bool:
    return (
        not name.startswith(".")
        and not name.endswith(SIDECAR_SUFFIX)
        and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
    )


def _base_name(path: Path) -> str:
    """The file name without its suffix and language tag: "lecture.en.vtt" -> "lecture"."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    language = language_from_name(path)
    return stem[: -len(language) - 1] if language else stem


def _sidecar_candidates(path: Path) -> list[Path]:
    """Where yt-dlp puts the info of a subtitle file: by the base name, or by the stem."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    names = dict.fromkeys([_base_name(path) + SIDECAR_SUFFIX, stem + SIDECAR_SUFFIX])
    return [path.with_name(name) for name in names]
