"""The audio of a YouTube video, for Whisper, or its picture, for its slides, downloaded by yt-dlp through an exit node.

Audio only, and the smallest stream that suffices: Whisper hears 16 kHz mono,
so a speech-grade stream near 64 kbit/s carries all it can use. For slides,
the video alone, at most 720p: slide text is legible there, and a 1080p
stream would cost twice the bytes on the exit node and in decoding. yt-dlp needs
a JavaScript runtime for YouTube's challenges (without one only images are
offered): the ``deno`` wheel brings the binary, handed to yt-dlp here, and
``yt-dlp[default]`` the solver scripts.

The stream and the metadata that came with it are kept in a folder (the
vault's ``.tubenotes/audio/`` or ``video/``) until its transcript or slides
are committed, so a stage cut short by Ctrl-C or a crash does not download again.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tubenotes.job import YOUTUBE_WATCH_URL
from tubenotes.sources.base import VideoMetadata
from tubenotes.sources.youtube_metadata import info_text, metadata_from_info, run_ytdlp

# Whisper resamples to 16 kHz mono: past about 64 kbit/s a stream only costs time on the exit node.
AUDIO_OPTIONS: dict[str, Any] = {"format": "bestaudio", "format_sort": ["abr~64"]}
# H.264 first where there is a choice: the fastest of YouTube's codecs to decode.
VIDEO_OPTIONS: dict[str, Any] = {"format": "bestvideo[height<=720]/best[height<=720]",
                                 "format_sort": ["res:720", "vcodec:h264"]}
# What is kept of yt-dlp's info (its whole dict lists every format): what the notes use.
KEPT_INFO_KEYS = ("id", "title", "channel", "uploader", "duration", "upload_date", "description", "chapters",
                  "language")
INFO_SUFFIX = ".info.json"
# The deno wheel finds its binary through sysconfig, whose first use in Python 3.11 is not thread-safe
# (CPython gh-92452, fixed in 3.12): a second thread sees its variables half filled in, and the lookup
# fails with a TypeError. A batch starts two downloads at once; their lookups take turns, and by the time
# yt-dlp looks for a JavaScript runtime itself (through sysconfig as well), sysconfig is whole.
_DENO_LOOKUP = threading.Lock()


@dataclass(frozen=True)
class DownloadedStream:
    """A downloaded audio or video stream, with the video's metadata."""

    path: Path
    metadata: VideoMetadata
    language: str | None  # the video's language, as YouTube states it


def deno_path() -> str | None:
    """The deno binary of the ``deno`` wheel, or None when it is not installed."""
    with _DENO_LOOKUP:
        try:
            from deno import find_deno_bin

            return find_deno_bin()
        except (ImportError, FileNotFoundError):
            return None


def download_audio(video_id: str, folder: Path, proxy_url: str | None, timeout: float) -> DownloadedStream:
    """The video's audio in ``folder`` (reused when an earlier run downloaded it), with its metadata."""
    return _download(video_id, folder, proxy_url, timeout, AUDIO_OPTIONS)


def download_video(video_id: str, folder: Path, proxy_url: str | None, timeout: float) -> DownloadedStream:
    """The video's picture (no sound, at most 720p) in ``folder``, reused when an earlier run downloaded it."""
    return _download(video_id, folder, proxy_url, timeout, VIDEO_OPTIONS)


def _download(video_id: str, folder: Path, proxy_url: str | None, timeout: float,
              options: dict[str, Any]) -> DownloadedStream:
    kept = kept_audio(video_id, folder)
    if kept is not None:
        return kept
    folder.mkdir(parents=True, exist_ok=True)
    deno = deno_path()
    info = run_ytdlp(
        YOUTUBE_WATCH_URL.format(video_id=video_id), video_id, proxy_url, timeout, download=True,
        **options,
        skip_download=False,
        extractor_args={},  # yt-dlp's own choice of player clients: the metadata's web-only shortcut has no formats
        js_runtimes={"deno": {"path": deno}} if deno else {},
        outtmpl={"default": str(folder / "%(id)s.%(ext)s")},
        noprogress=True,
    )
    path = Path(info["requested_downloads"][0]["filepath"])
    kept_info = {key: info[key] for key in KEPT_INFO_KEYS if info.get(key) is not None}
    # Written after the audio: an info file means the download beside it is whole.
    _info_file(video_id, folder).write_text(json.dumps({**kept_info, "audio_file": path.name}), encoding="utf-8")
    return _downloaded(folder / path.name, kept_info)


def kept_audio(video_id: str, folder: Path) -> DownloadedStream | None:
    """The stream an earlier run downloaded for this video into ``folder``, if it is still there."""
    try:
        info = json.loads(_info_file(video_id, folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    path = folder / str(info.get("audio_file") or "")
    return _downloaded(path, info) if path.is_file() else None


def remove_audio(video_id: str, folder: Path) -> None:
    """Forget the video's stream in ``folder``: its transcript (or slides) are committed."""
    kept = kept_audio(video_id, folder)
    if kept is not None:
        kept.path.unlink(missing_ok=True)
    _info_file(video_id, folder).unlink(missing_ok=True)


def _downloaded(path: Path, info: dict[str, Any]) -> DownloadedStream:
    return DownloadedStream(path, metadata_from_info(info), info_text(info, "language"))


def _info_file(video_id: str, folder: Path) -> Path:
    return folder / f"{video_id}{INFO_SUFFIX}"
