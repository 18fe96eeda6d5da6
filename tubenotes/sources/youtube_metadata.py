"""Video metadata and playlists from yt-dlp (metadata only), titles from oEmbed.

yt-dlp runs with the ``web`` player client and skips the player JS and the
per-client configs: the watch page's ``ytInitialPlayerResponse`` and
``ytInitialData`` carry title, channel, duration, upload date, description
and chapters, so one metadata extraction costs one request. Formats are not
wanted, so ``process=False`` skips format selection.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from tubenotes.config import DEFAULT_TIMEOUT
from tubenotes.errors import InputError, TransientError
from tubenotes.job import YOUTUBE_WATCH_URL, Chapter
from tubenotes.sources.base import VideoMetadata
from tubenotes.sources.youtube_errors import (
    http_failure,
    network_failure,
    private_video,
    translate_ytdlp_error,
    video_unavailable,
)
from tubenotes.sources.youtube_urls import RefKind, is_playlist_id, parse_youtube_input

if TYPE_CHECKING:
    import requests

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
    return run_ytdlp(YOUTUBE_WATCH_URL.format(video_id=video_id), video_id, proxy_url, timeout, process=False)


def metadata_from_info(info: Mapping[str, Any]) -> VideoMetadata:
    """The metadata in a yt-dlp info dict, fetched or read from an ``.info.json`` sidecar.

    A value of the wrong type (a hand-edited sidecar) is left out rather than failing the job.
    """
    return VideoMetadata(
        title=info_text(info, "title"),
        channel=info_text(info, "channel") or info_text(info, "uploader"),
        duration_seconds=_seconds(info.get("duration")),
        upload_date=_iso_date(info_text(info, "upload_date")),
        description=info_text(info, "description"),
        chapters=_chapters(info.get("chapters")),
    )


def fetch_oembed_title(video_id: str, session: requests.Session) -> str:
    """The title from YouTube's oEmbed endpoint: one small request."""
    import requests  # here: a batch of local files reads their sidecars without it

    what = f"the title of video {video_id}"
    params = {"url": YOUTUBE_WATCH_URL.format(video_id=video_id), "format": "json"}
    try:
        response = session.get(OEMBED_URL, params=params)
    except requests.RequestException as exc:
        raise network_failure(what, exc) from exc
    if response.status_code == 401:
        raise private_video(video_id)
    if response.status_code in (400, 404):
        raise video_unavailable(video_id)
    if response.status_code != 200:
        raise http_failure(what, response.status_code)
    try:
        title = response.json()["title"]
    except (ValueError, KeyError, TypeError) as exc:
        # A 200 that is not oEmbed's JSON: a consent page or a captive portal on this network.
        content_type = response.headers.get("Content-Type", "no content type")
        raise TransientError(
            f"YouTube's oEmbed answered {what} with something other than its JSON ({content_type}): "
            "a consent page or a captive portal on this network; retry on another node, or check "
            "the network in a browser"
        ) from exc
    return str(title)


def expand_playlist(url_or_id: str, proxy_url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Playlist:
    """The playlist's title and its video IDs in playlist order (yt-dlp flat extraction)."""
    playlist_id = _playlist_id(url_or_id)
    info = run_ytdlp(
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


def run_ytdlp(url: str, item: str, proxy_url: str | None, timeout: float, download: bool = False,
              **options: Any) -> dict[str, Any]:
    """yt-dlp's info dict for ``url`` (after downloading, if asked), with ``options`` over the base options."""
    # yt-dlp takes 0.15 s to import, and requests (beside the CA helper) 0.1 s: only a batch that goes
    # to YouTube pays them.
    from yt_dlp.utils import DownloadError, ExtractorError

    from tubenotes.sources.youtube_http import ca_bundle_from_environment

    process = options.pop("process", True)
    logger = _WarningCollector()
    params = {**YTDLP_BASE_OPTIONS, **options, "socket_timeout": timeout, "logger": logger}
    if proxy_url:
        params["proxy"] = proxy_url
    try:
        with _trusting_youtube_dl()(params, ca_file=ca_bundle_from_environment()) as ydl:
            info = ydl.extract_info(url, download=download, process=process)
    except (DownloadError, ExtractorError) as exc:
        raise translate_ytdlp_error(exc, item, logger.warnings) from exc
    if not isinstance(info, dict):
        raise translate_ytdlp_error(ExtractorError(f"no information for {url}"), item, logger.warnings)
    return info


def info_text(info: Mapping[str, Any], key: str) -> str | None:
    """The text under ``key``, stripped; None when missing, empty or not a string."""
    value = info.get(key)
    return (value.strip() or None) if isinstance(value, str) else None


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _iso_date(value: str | None) -> str | None:
    """yt-dlp's YYYYMMDD as YYYY-MM-DD; other values as they are."""
    if value and re.fullmatch(r"\d{8}", value):
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def _chapters(entries: Any) -> list[Chapter]:
    """yt-dlp's chapters (``start_time``, ``title``) by start; entries without a start are left out."""
    chapters = []
    for entry in entries if isinstance(entries, list) else []:
        start = _seconds(entry.get("start_time")) if isinstance(entry, dict) else None
        if start is not None:
            chapters.append(Chapter(start=start, title=str(entry.get("title") or "").strip()))
    return sorted(chapters, key=lambda chapter: chapter.start)


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


@cache
def _trusting_youtube_dl() -> type:
    """YoutubeDL that also trusts the CA file named by REQUESTS_CA_BUNDLE / SSL_CERT_FILE.

    yt-dlp trusts certifi's store (or the system's) and has no option for a CA
    file, so each request handler gets a subclass that loads it.
    """
    import yt_dlp

    class TrustingYoutubeDL(yt_dlp.YoutubeDL):
        def __init__(self, params: dict[str, Any], ca_file: str | None) -> None:
            self._ca_file = ca_file
            super().__init__(params)

        def build_request_director(self, handlers, preferences=None):
            if self._ca_file:
                handlers = [_trusting(handler, self._ca_file) for handler in handlers]
            return super().build_request_director(handlers, preferences)

    return TrustingYoutubeDL


def _trusting(handler: type, ca_file: str) -> type:
    def _make_sslcontext(self, legacy_ssl_support=None) -> ssl.SSLContext:
        context = handler._make_sslcontext(self, legacy_ssl_support=legacy_ssl_support)
        context.load_verify_locations(cafile=ca_file)
        return context

    # The same class name keeps yt-dlp's handler key and preferences.
    return type(handler.__name__, (handler,), {"_make_sslcontext": _make_sslcontext})
