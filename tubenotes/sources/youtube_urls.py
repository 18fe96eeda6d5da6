"""What a user may type for a YouTube video or playlist, parsed into a `YouTubeRef`.

Accepted: watch URLs (``watch?v=``), ``youtu.be/ID``, ``/shorts/``, ``/embed/``,
``/live/``, ``/v/`` and ``/e/`` paths, on youtube.com, m., music. and
youtube-nocookie.com, with or without scheme and ``www.``, with extra
parameters and a ``t=``/``start=`` offset (``123``, ``123s``, ``1h2m3s``);
bare 11-character video IDs; playlist URLs (``/playlist?list=``). A watch URL
that has both ``v`` and ``list`` names the video.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from tubenotes.errors import InputError
from tubenotes.job import YOUTUBE_WATCH_URL

VIDEO_ID_RE = re.compile(r"[A-Za-z0-9_-]{11}")
PLAYLIST_ID_RE = re.compile(r"[A-Za-z0-9_-]{2,64}")
OFFSET_RE = re.compile(r"(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s?)?")
YOUTUBE_HOSTS = frozenset({"youtube.com", "youtube-nocookie.com"})
SHORT_HOST = "youtu.be"
# Host prefixes that serve the same paths as youtube.com.
HOST_PREFIXES = ("www.", "m.", "music.")
VIDEO_PATH_PREFIXES = frozenset({"shorts", "embed", "live", "v", "e"})
ACCEPTED_FORMS = (
    "a watch URL (https://www.youtube.com/watch?v=ID), https://youtu.be/ID, "
    "a /shorts/, /embed/ or /live/ URL, a playlist URL (https://www.youtube.com/playlist?list=ID) "
    "or an 11-character video ID"
)


class RefKind(StrEnum):
    VIDEO = "video"
    PLAYLIST = "playlist"


@dataclass(frozen=True)
class YouTubeRef:
    """One video (possibly in a playlist, possibly from an offset) or one playlist."""

    kind: RefKind
    video_id: str | None = None
    playlist_id: str | None = None
    start: int | None = None  # seconds, from t= or start=

    @property
    def url(self) -> str:
        """The canonical URL, which parses back to this reference."""
        if self.kind is RefKind.PLAYLIST:
            return f"https://www.youtube.com/playlist?list={self.playlist_id}"
        url = YOUTUBE_WATCH_URL.format(video_id=self.video_id)
        if self.playlist_id:
            url += f"&list={self.playlist_id}"
        if self.start is not None:
            url += f"&t={self.start}s"
        return url


def parse_youtube_input(text: str) -> YouTubeRef:
    """Parse a URL or ID; raise `InputError` naming the input when it is neither."""
    candidate = text.strip()
    if VIDEO_ID_RE.fullmatch(candidate):
        return YouTubeRef(RefKind.VIDEO, video_id=candidate)
    ref = _parse_url(candidate)
    if ref is None:
        raise InputError(f"{text!r} is not a YouTube video or playlist. Give {ACCEPTED_FORMS}.")
    return ref


def is_playlist_id(text: str) -> bool:
    """Whether ``text`` looks like a bare playlist ID (PL..., UU..., OLAK5uy_...)."""
    return bool(PLAYLIST_ID_RE.fullmatch(text)) and not VIDEO_ID_RE.fullmatch(text)


def _parse_url(candidate: str) -> YouTubeRef | None:
    if "://" not in candidate:
        candidate = "https://" + candidate
    try:
        parts = urlsplit(candidate)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. a malformed port or IPv6 literal
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    for prefix in HOST_PREFIXES:
        host = host.removeprefix(prefix)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    fragment = {key: values[0] for key, values in parse_qs(parts.fragment).items()}
    start = _parse_offset(query.get("t") or query.get("start") or fragment.get("t"))
    playlist_id = query.get("list") if PLAYLIST_ID_RE.fullmatch(query.get("list", "")) else None
    segments = [segment for segment in parts.path.split("/") if segment]

    if host == SHORT_HOST:
        video_id = segments[0] if len(segments) == 1 else None
    elif host in YOUTUBE_HOSTS:
        video_id = _video_id_from_path(segments, query)
        if video_id is None and playlist_id and segments in (["playlist"], ["watch"], ["embed", "videoseries"]):
            return YouTubeRef(RefKind.PLAYLIST, playlist_id=playlist_id)
    else:
        return None
    if video_id is None or not VIDEO_ID_RE.fullmatch(video_id):
        return None
    return YouTubeRef(RefKind.VIDEO, video_id=video_id, playlist_id=playlist_id, start=start)


def _video_id_from_path(segments: list[str], query: dict[str, str]) -> str | None:
    if segments == ["watch"]:
        return query.get("v")
    if len(segments) == 2 and segments[0] in VIDEO_PATH_PREFIXES and segments[1] != "videoseries":
        return segments[1]
    return None


def _parse_offset(value: str | None) -> int | None:
    """Seconds from ``123``, ``123s`` or ``1h2m3s``; None when absent or unreadable."""
    if not value:
        return None
    match = OFFSET_RE.fullmatch(value.strip())
    if match is None or not any(match.groupdict().values()):
        return None
    hours, minutes, seconds = (int(match.group(name) or 0) for name in ("h", "m", "s"))
    return hours * 3600 + minutes * 60 + seconds
