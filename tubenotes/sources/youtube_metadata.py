"""Video metadata and playlists from yt-dlp (metadata only), titles from oEmbed.

yt-dlp runs with the ``web`` player client and skips the player JS and the
per-client configs: the watch page's ``ytInitialPlayerResponse`` and
``ytInitialData`` carry title, channel, duration, upload date, description
and chapters, so one metadata extraction costs one request. Formats are not
wanted, so ``process=False`` skips format selection.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import requests
import yt_dlp
from yt_dlp.utils import DownloadError, ExtractorError

from tubenotes.errors import InputError
from tubenotes.job import Chapter
from tubenotes.sources.base import VideoMetadata
from tubenotes.sources.youtube_errors import (
    http_failure,
    network_failure,
    private_video,
    translate_ytdlp_error,
    video_unavailable,
)
from tubenotes.config import DEFAULT_TIMEOUT
from tubenotes.sources.youtube_http import ca_bundle_from_environment
from tubenotes.sources.youtube_urls import RefKind, is_playlist_id, parse_youtube_input

WATCH_URL = "https://www.youtube.com/watch?v={video_id}"
PLAYLIST_URL = "https://www.youtube.com/playlist?list={playlist_id}"
OEMBED_URL = "https://www.youtube.com/oembed"
YTDLP_BASE_OPTIONS: dict[str, Any] = {
    "skip_download": True,
    "quiet": True,
    "noplaylist": True,
    "cachedir": False,
    # The exit node pool retries, on another node; yt-dlp retrying on a blocked one only burns time.
    "retries": 0,
    "extractor_retries": 0,
    "extractor_args": {"youtube": {"player_client": ["web"], "player_skip": ["js", "configs"]}},
}


@dataclass
class Playlist:
    playlist_id: str
    title: str
    video_ids: list[str]


def extract_video_info(video_id: str, proxy_url: str | None, timeout: float) -> dict[str, Any]:
    """yt-dlp's info dict for one video, without formats."""
    return _extract(WATCH_URL.format(video_id=video_id), video_id, proxy_url, timeout, process=False)


def metadata_from_info(info: dict[str, Any]) -> VideoMetadata:
    upload_date = info.get("upload_date")  # YYYYMMDD
    return VideoMetadata(
        title=info.get("title"),
        channel=info.get("channel") or info.get("uploader"),
        duration_seconds=float(info["duration"]) if info.get("duration") is not None else None,
        upload_date=f"{upload_date[:4]}-{upload_date[4:6]}-{upload_date[6:]}" if upload_date else None,
        description=info.get("description"),
        chapters=[Chapter(float(c["start_time"]), str(c["title"])) for c in info.get("chapters") or []],
    )


def fetch_oembed_title(video_id: str, session: requests.Session) -> str:
    """The title from YouTube's oEmbed endpoint: one small request."""
    watch_url = WATCH_URL.format(video_id=video_id)
    try:
        response = session.get(OEMBED_URL, params={"url": watch_url, "format": "json"})
    except requests.RequestException as exc:
        raise network_failure(f"the title of video {video_id}", exc) from exc
    if response.status_code == 401:
        raise private_video(video_id)
    if response.status_code in (400, 404):
        raise video_unavailable(video_id)
    if response.status_code != 200:
        raise http_failure(f"the title of video {video_id}", response.status_code)
    return str(response.json()["title"])


def expand_playlist(url_or_id: str, proxy_url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Playlist:
    """The playlist's title and its video IDs in playlist order (yt-dlp flat extraction)."""
    playlist_id = _playlist_id(url_or_id)
    info = _extract(
        PLAYLIST_URL.format(playlist_id=playlist_id), playlist_id, proxy_url, timeout, extract_flat="in_playlist"
    )
    video_ids = [entry["id"] for entry in info.get("entries") or [] if entry and entry.get("id")]
    return Playlist(playlist_id=playlist_id, title=info.get("title") or playlist_id, video_ids=video_ids)


def _playlist_id(url_or_id: str) -> str:
    text = url_or_id.strip()
    if is_playlist_id(text):
        return text
    ref = parse_youtube_input(text)
    if ref.kind is not RefKind.PLAYLIST or ref.playlist_id is None:
        raise InputError(f"{url_or_id!r} is a video, not a playlist. Give a URL with ?list=ID or a playlist ID.")
    return ref.playlist_id


def _extract(url: str, item: str, proxy_url: str | None, timeout: float, **options: Any) -> dict[str, Any]:
    process = options.pop("process", True)
    logger = _WarningCollector()
    params = {**YTDLP_BASE_OPTIONS, **options, "socket_timeout": timeout, "logger": logger}
    if proxy_url:
        params["proxy"] = proxy_url
    try:
        with _YoutubeDL(params, ca_file=ca_bundle_from_environment()) as ydl:
            info = ydl.extract_info(url, download=False, process=process)
    except (DownloadError, ExtractorError) as exc:
        raise translate_ytdlp_error(exc, item, logger.warnings) from exc
    if not isinstance(info, dict):
        raise translate_ytdlp_error(ExtractorError(f"no information for {url}"), item, logger.warnings)
    return info


class _WarningCollector:
    """yt-dlp's logger: keeps warnings, which often hold the real cause (an HTTP 429)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def debug(self, message: str) -> None:
        pass

    def info(self, message: str) -> None:
        pass

    def warning(self, message: str) -> None:
        self.warnings.append(message)

    def error(self, message: str) -> None:
        pass  # raised as DownloadError as well


class _YoutubeDL(yt_dlp.YoutubeDL):
    """YoutubeDL that also trusts the CA file named by REQUESTS_CA_BUNDLE / SSL_CERT_FILE.

    yt-dlp trusts certifi's store (or the system's) and has no option for a CA
    file, so each request handler gets a subclass that loads it.
    """

    def __init__(self, params: dict[str, Any], ca_file: str | None) -> None:
        self._ca_file = ca_file
        super().__init__(params)

    def build_request_director(self, handlers, preferences=None):
        if self._ca_file:
            handlers = [_trusting(handler, self._ca_file) for handler in handlers]
        return super().build_request_director(handlers, preferences)


def _trusting(handler: type, ca_file: str) -> type:
    def _make_sslcontext(self, legacy_ssl_support=None) -> ssl.SSLContext:
        context = handler._make_sslcontext(self, legacy_ssl_support=legacy_ssl_support)
        context.load_verify_locations(cafile=ca_file)
        return context

    # The same class name keeps yt-dlp's handler key and preferences.
    return type(handler.__name__, (handler,), {"_make_sslcontext": _make_sslcontext})
