"""From what the user typed to jobs: URLs, IDs, playlists, lists of inputs, files and folders."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from tubenotes.errors import InputError, TubenotesError
from tubenotes.job import SourceKind, VideoProcessingJob
from tubenotes.plaintext import clean_line
from tubenotes.sources.formats import SUPPORTED_SUFFIXES
from tubenotes.sources.local import (
    MAX_TRANSCRIPT_BYTES,
    file_video_id,
    find_transcript_files,
    language_from_name,
    read_bounded,
)
from tubenotes.sources.media import find_media_files
from tubenotes.sources.youtube_urls import RefKind, parse_youtube_input

if TYPE_CHECKING:  # with requests and yt-dlp's errors: for playlists only
    from tubenotes.sources.youtube_metadata import Playlist

DEFAULT_SUBJECT = "General"
INVALID_ID_PREFIX = "invalid-"


PlaylistExpander = Callable[[str], "Playlist"]


def jobs_from_inputs(
    inputs: list[str],
    subject: str | None = None,
    language: str | None = None,
    expand_playlist: PlaylistExpander | None = None,
) -> list[VideoProcessingJob]:
    """One job per video or transcript file, in input order, without duplicates.

    An input that names nothing usable becomes a failed job with the reason,
    so that the rest of the batch goes on and the user sees what was wrong.
    """
    return list(iter_jobs_from_inputs(inputs, subject, language, expand_playlist))


def iter_jobs_from_inputs(
    inputs: list[str],
    subject: str | None = None,
    language: str | None = None,
    expand_playlist: PlaylistExpander | None = None,
) -> Iterator[VideoProcessingJob]:
    """The jobs of `jobs_from_inputs`, each as soon as it is resolved: a folder of 100,000 transcripts
    is never held as 100,000 jobs at once, only their keys."""
    keys: set[str] = set()
    subject = clean_line(subject or "") or None
    for job in _resolve_all(inputs, subject, language, expand_playlist):
        if job.key in keys:
            continue
        job.position = len(keys)
        keys.add(job.key)
        yield job


def _resolve_all(
    inputs: list[str],
    subject: str | None,
    language: str | None,
    expand: PlaylistExpander | None,
    lists: frozenset[Path] = frozenset(),  # the input lists being read, outermost first
) -> Iterator[VideoProcessingJob]:
    for text in inputs:
        try:
            yield from _resolve(text.strip(), subject, language, expand, lists)
        except TubenotesError as exc:
            yield _failed_input(text, subject, exc)


def _resolve(
    text: str, subject: str | None, language: str | None, expand: PlaylistExpander | None, lists: frozenset[Path]
) -> Iterator[VideoProcessingJob]:
    path = _existing_path(text)
    if path is None:
        yield from _youtube_jobs(text, subject, language, expand)
    elif path.is_dir():
        files = find_transcript_files(path) + find_media_files(path)
        if not files:
            raise InputError(f"{text}: the folder holds no transcript files (.vtt, .srt, .txt, .json) "
                             "and no recordings (.mp4, .mp3, .wav...)")
        for file in files:
            yield _file_job(file, subject, language)  # without a subject, the folder it lies in names it
    elif path.is_file() and _is_input_list(path):
        if path.resolve() in lists:
            raise InputError(f"{text}: this list of inputs names itself, directly or through another list")
        yield from _resolve_list(path, subject, language, expand, lists | {path.resolve()})
    else:
        yield _file_job(path, subject or DEFAULT_SUBJECT, language)


def _existing_path(text: str, base: Path | None = None) -> Path | None:
    """The file or folder ``text`` names (relative to ``base`` when given), or None.

    Text that cannot be a path at all (a paragraph longer than a file name may
    be, a NUL byte) names no file: the OS refuses it, and that is no reason to
    stop the batch.
    """
    try:
        path = Path(text).expanduser() if base is None else base / text
        return path if path.exists() else None
    except (OSError, ValueError, RuntimeError):  # RuntimeError: "~name" of a user who has no home folder
        return None


def _looks_like_path(text: str) -> bool:
    """Whether ``text`` was meant as a file: a transcript's suffix, or a path without spaces."""
    if Path(text).suffix.lower() in SUPPORTED_SUFFIXES:
        return True
    return ("/" in text or "\\" in text) and "://" not in text and not any(c.isspace() for c in text)


def _youtube_jobs(
    text: str, subject: str | None, language: str | None, expand: PlaylistExpander | None
) -> Iterator[VideoProcessingJob]:
    try:
        ref = parse_youtube_input(text)
    except InputError:
        if _looks_like_path(text):
            raise InputError(f"{text}: no such file or folder; check the path") from None
        raise
    if ref.kind is RefKind.VIDEO:
        assert ref.video_id is not None
        yield _youtube_job(ref.video_id, subject or DEFAULT_SUBJECT, language)
        return
    if expand is None:
        raise InputError(f"{text}: playlists need network access to list their videos")
    assert ref.playlist_id is not None
    playlist = expand(ref.playlist_id)
    if not playlist.video_ids:
        raise InputError(f"{text}: the playlist is empty or private")
    for video_id in playlist.video_ids:
        yield _youtube_job(video_id, subject or clean_line(playlist.title or "") or DEFAULT_SUBJECT, language)


def _youtube_job(video_id: str, subject: str, language: str | None) -> VideoProcessingJob:
    url = f"https://www.youtube.com/watch?v={video_id}"
    return VideoProcessingJob(url=url, video_id=video_id, subject=subject, language=language)


def _file_job(path: Path, subject: str | None, language: str | None) -> VideoProcessingJob:
    """The job of a transcript file; without ``subject``, the folder it lies in names it."""
    resolved = path.resolve()  # once: a lookup of every folder on the way, for each of thousands of files
    return VideoProcessingJob(
        url=resolved.as_uri(),
        video_id=file_video_id(path),
        source=SourceKind.FILE,
        source_path=resolved,
        subject=subject or resolved.parent.name or DEFAULT_SUBJECT,
        language=language or language_from_name(path),
    )


def _failed_input(text: str, subject: str | None, exc: TubenotesError) -> VideoProcessingJob:
    digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:12]
    job = VideoProcessingJob(url=text, video_id=INVALID_ID_PREFIX + digest, subject=subject or DEFAULT_SUBJECT)
    job.mark_failed(str(exc), exc.kind, exc.retryable)
    return job


# A comment runs from a "#" after white space to the end of the line; "#t=" in a URL is no comment.
_COMMENT = re.compile(r"(^|\s)#.*$")


def _input_lines(path: Path) -> list[str]:
    text = read_bounded(path, MAX_TRANSCRIPT_BYTES).decode("utf-8-sig")
    lines = (_COMMENT.sub("", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def _resolve_list(
    path: Path, subject: str | None, language: str | None, expand: PlaylistExpander | None, lists: frozenset[Path]
) -> Iterator[VideoProcessingJob]:
    """The inputs an input list names, a path taken from the list's folder, else from the current one.

    A path that exists in neither fails its job as written in the list, naming the list.
    """
    for line in _input_lines(path):
        beside = _existing_path(line, path.parent)
        if beside is None and _existing_path(line) is None and _looks_like_path(line) and not _is_youtube(line):
            missing = InputError(f"{line}, listed in {path}: no such file or folder, neither beside the list nor "
                                 "from the current folder; check the path")
            yield _failed_input(line, subject, missing)
        else:
            yield from _resolve_all([str(beside) if beside is not None else line], subject, language, expand, lists)


def _is_input_list(path: Path) -> bool:
    """A .txt file whose every line is a video, playlist or path is a list of inputs, not a transcript."""
    if path.suffix.lower() != ".txt":
        return False
    try:
        lines = _input_lines(path)
    except (OSError, UnicodeDecodeError, TubenotesError):
        return False
    return bool(lines) and all(_names_an_input(line, path.parent) for line in lines)


def _names_an_input(line: str, base: Path) -> bool:
    """A line names an input when it is a video, a playlist, or a path (a missing one too)."""
    return bool(_existing_path(line) or _existing_path(line, base) or _looks_like_path(line) or _is_youtube(line))


def _is_youtube(text: str) -> bool:
    try:
        parse_youtube_input(text)
    except InputError:
        return False
    return True
