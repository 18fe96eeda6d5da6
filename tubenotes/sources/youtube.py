"""The YouTube source: transcripts (youtube-transcript-api), metadata (yt-dlp), titles (oEmbed).

One `YouTubeSource` per fetch attempt, made for the exit node the attempt
leased: the node's proxy URL is fixed for the instance's life, and
youtube-transcript-api is not thread-safe, so an instance is never shared.
Use it as a context manager (``with YouTubeSource(node.proxy_url) as source:``),
or call `close`, to release its HTTP connections.
Every failure leaves as a `tubenotes.errors` class: `PermanentError`
subclasses for the video itself, `BlockedError` when YouTube blocks the exit
address, `TransientError` for network and proxy failures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests
from youtube_transcript_api import (
    CouldNotRetrieveTranscript,
    NoTranscriptFound,
    Transcript,
    TranscriptList,
    YouTubeTranscriptApi,
)
from youtube_transcript_api.proxies import GenericProxyConfig

from tubenotes.errors import JobError, TransientError
from tubenotes.sources.base import VideoMetadata
from tubenotes.sources.youtube_errors import (
    NoTranscriptError,
    translate_transcript_error,
)
from tubenotes.sources.youtube_http import TimeoutSession
from tubenotes.sources.youtube_metadata import (
    DEFAULT_TIMEOUT,
    Playlist,
    expand_playlist,
    extract_video_info,
    fetch_oembed_title,
    metadata_from_info,
)


class YouTubeSource:
    """The seed's processor for YouTube videos, bound to one exit node's proxy."""

    def __init__(
        self,
        proxy_url: str | None = None,
        languages: Sequence[str] = ("en",),
        translate_to: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        auto_captions: bool = True,
    ) -> None:
        self.proxy_url = proxy_url
        # False when Whisper is preferred over YouTube's auto-generated captions (--transcribe always).
        self.auto_captions = auto_captions
        self.languages = tuple(languages)
        self.translate_to = translate_to
        self.timeout = timeout
        self._session = TimeoutSession(timeout, proxy_url)
        proxy_config = GenericProxyConfig(http_url=proxy_url, https_url=proxy_url) if proxy_url else None
        self._transcripts = YouTubeTranscriptApi(proxy_config=proxy_config, http_client=self._session)
        # yt-dlp's answer per video, info or failure: title and metadata cost one extraction between them.
        self._info: dict[str, dict[str, Any] | JobError] = {}

    def close(self) -> None:
        """Close the HTTP session (its pooled connections through the proxy)."""
        self._session.close()

    def __enter__(self) -> YouTubeSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- transcript ------------------------------------------------------------

    def get_transcript(self, video_id: str) -> dict[str, Any]:
        """The transcript text, its timed segments, its language and the track it came from."""
        try:
            transcripts = self._transcripts.list(video_id)
            transcript, track = self._choose_track(transcripts, video_id)
            fetched = transcript.fetch()
        except (CouldNotRetrieveTranscript, requests.RequestException) as exc:
            raise translate_transcript_error(exc, video_id) from exc
        segments = [
            {"start": snippet.start, "duration": snippet.duration, "text": snippet.text.strip()}
            for snippet in fetched
            if snippet.text.strip()
        ]
        return {
            "transcript": " ".join(segment["text"] for segment in segments),
            "segments": segments,
            "language": fetched.language_code,
            "track": track,
        }

    def _choose_track(self, transcripts: TranscriptList, video_id: str) -> tuple[Transcript, str]:
        """Manual captions in the preferred languages first, then auto-generated ones, then translate."""
        wanted = self.languages
        if self.translate_to:
            # Any language will do when it gets translated: preferred ones first, then the rest.
            wanted += (self.translate_to,) + tuple(t.language_code for t in transcripts)
        chosen = None
        finders = [transcripts.find_manually_created_transcript]
        if self.auto_captions:
            finders.append(transcripts.find_generated_transcript)
        for find in finders:
            try:
                chosen = find(wanted)
                break
            except NoTranscriptFound:
                continue
        if chosen is None:
            available = ", ".join(sorted({t.language_code for t in transcripts})) or "none"
            raise NoTranscriptError(
                f"Video {video_id} has no transcript in {', '.join(wanted)} (available: {available}). "
                "Pass --lang with an available language, or --translate-to LANG to translate one."
            )
        kind = "auto-generated" if chosen.is_generated else "manual"
        if self.translate_to and chosen.language_code != self.translate_to:
            return chosen.translate(self.translate_to), f"{self.translate_to} (translated from {chosen.language_code})"
        return chosen, f"{chosen.language_code} ({kind})"

    # --- metadata ------------------------------------------------------------------

    def get_video_metadata(self, video_id: str) -> VideoMetadata:
        """Title, channel, duration, upload date, description and chapters from yt-dlp.

        A failed extraction is remembered: asking again raises the same error without a request.
        """
        if video_id not in self._info:
            try:
                self._info[video_id] = extract_video_info(video_id, self.proxy_url, self.timeout)
            except JobError as exc:
                self._info[video_id] = exc
        info = self._info[video_id]
        if isinstance(info, JobError):
            raise info
        return metadata_from_info(info)

    def get_video_title(self, video_id: str) -> str:
        """The title from yt-dlp's metadata, or from oEmbed when yt-dlp fails for a passing reason."""
        try:
            title = self.get_video_metadata(video_id).title
        except TransientError as metadata_error:
            try:
                return fetch_oembed_title(video_id, self._session)
            except TransientError as oembed_error:
                raise metadata_error from oembed_error  # the yt-dlp failure says more than oEmbed's
        return title or fetch_oembed_title(video_id, self._session)

    # --- playlists -------------------------------------------------------------------

    def expand_playlist(self, url_or_id: str) -> Playlist:
        """The playlist's title and video IDs in order, fetched through this source's node."""
        return expand_playlist(url_or_id, proxy_url=self.proxy_url, timeout=self.timeout)
