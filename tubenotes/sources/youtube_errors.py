"""Why a YouTube fetch failed, translated from the libraries' errors into ours.

Permanent causes (the video itself) get a class each; a blocked exit address
is a ``BlockedError`` (rotate the node); a network or proxy failure is a
``TransientError`` (retry). Each message says what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tubenotes.errors import BlockedError, JobError, PermanentError, TransientError

if TYPE_CHECKING:
    from yt_dlp.utils import DownloadError, ExtractorError

BLOCKED_HINT = (
    "The exit node will be rotated and the fetch retried elsewhere; if every node is blocked, "
    "use --network tor or --network proxies, or wait an hour before trying again."
)
BLOCKED_HTTP_STATUSES = frozenset({403, 429})


class TranscriptsDisabledError(PermanentError):
    kind = "transcripts_disabled"


class NoTranscriptError(PermanentError):
    kind = "no_transcript"


class TranslationUnavailableError(PermanentError):
    kind = "translation_unavailable"


class VideoUnavailableError(PermanentError):
    kind = "video_unavailable"


class PrivateVideoError(PermanentError):
    kind = "private_video"


class AgeRestrictedError(PermanentError):
    kind = "age_restricted"


class InvalidVideoIdError(PermanentError):
    kind = "invalid_video_id"


class PoTokenRequiredError(PermanentError):
    kind = "po_token_required"


class PlaylistUnavailableError(PermanentError):
    kind = "playlist_unavailable"


class NoAudioStreamError(PermanentError):
    kind = "no_audio_stream"


def video_unavailable(video_id: str, reason: str = "it was removed or never existed") -> VideoUnavailableError:
    return VideoUnavailableError(f"Video {video_id} is unavailable ({reason}). Check the URL or drop the video.")


def private_video(video_id: str) -> PrivateVideoError:
    return PrivateVideoError(f"Video {video_id} is private. Ask its owner to make it public or unlisted, or drop it.")


def age_restricted(video_id: str) -> AgeRestrictedError:
    return AgeRestrictedError(
        f"Video {video_id} is age-restricted and YouTube serves it only to signed-in users. "
        "Download its captions yourself and pass the transcript file instead."
    )


def blocked(video_id: str, reason: str) -> BlockedError:
    return BlockedError(f"YouTube blocked the request for video {video_id} ({reason}). {BLOCKED_HINT}")


def network_failure(what: str, exc: BaseException) -> TransientError:
    return TransientError(
        f"Could not reach YouTube for {what}: {exc}. Check the network connection or the proxy "
        "(for a TLS-inspecting proxy set REQUESTS_CA_BUNDLE or SSL_CERT_FILE)"
    )


def http_failure(what: str, status: int) -> JobError:
    if status in BLOCKED_HTTP_STATUSES:
        return blocked(what, f"HTTP {status}")
    return TransientError(f"YouTube answered HTTP {status} for {what}, a fault on its side; try again later")


def translate_transcript_error(exc: Exception, video_id: str) -> JobError:
    """Our error for one raised by youtube-transcript-api or requests while fetching captions."""
    import requests  # loaded by whoever raised ``exc``: a run of local files never loads them
    import youtube_transcript_api as yta

    if isinstance(exc, requests.RequestException):
        return network_failure(f"the transcript of video {video_id}", exc)
    if isinstance(exc, yta.RequestBlocked):  # IpBlocked is a RequestBlocked
        return blocked(video_id, "YouTube's bot check or an IP block")
    if isinstance(exc, yta.TranscriptsDisabled):
        return TranscriptsDisabledError(
            f"Video {video_id} has captions turned off, so there is no transcript to fetch. "
            "Pass a transcript file for it instead."
        )
    if isinstance(exc, yta.AgeRestricted):
        return age_restricted(video_id)
    if isinstance(exc, yta.InvalidVideoId):
        return InvalidVideoIdError(f"{video_id!r} is not a video ID. Pass a video URL or its 11-character ID.")
    if isinstance(exc, yta.PoTokenRequired):
        return PoTokenRequiredError(
            f"YouTube requires a proof-of-origin token for the captions of video {video_id}, which "
            "youtube-transcript-api cannot supply. Pass a transcript file for it instead."
        )
    if isinstance(exc, (yta.NotTranslatable, yta.TranslationLanguageNotAvailable)):
        return TranslationUnavailableError(
            f"YouTube cannot translate the captions of video {video_id} into the language asked for. "
            "Drop --translate-to or choose another language."
        )
    if isinstance(exc, yta.VideoUnplayable):
        if "private" in str(exc).lower():
            return private_video(video_id)
        return video_unavailable(video_id, _first_line_of_cause(exc))
    if isinstance(exc, yta.VideoUnavailable):
        return video_unavailable(video_id)
    if isinstance(exc, yta.YouTubeRequestFailed):
        status = getattr(exc.__cause__ or exc.__context__, "response", None)
        return http_failure(f"video {video_id}", getattr(status, "status_code", 0) or 0)
    # Unparsable pages, a consent cookie that did not stick: YouTube's side, may pass.
    return TransientError(f"Fetching the transcript of video {video_id} failed: {_first_line_of_cause(exc)}")


def translate_ytdlp_error(exc: DownloadError | ExtractorError, item: str, warnings: Iterable[str] = ()) -> JobError:
    """Our error for a yt-dlp failure; ``warnings`` are what yt-dlp reported on the way."""
    import yt_dlp.networking.exceptions as ytdlp_network  # loaded by whoever raised ``exc``

    text = " ".join([str(exc), *warnings]).lower()
    statuses = {cause.status for cause in _causes(exc) if isinstance(cause, ytdlp_network.HTTPError)}
    if "private video" in text:
        return private_video(item)
    if "not a bot" in text or "captcha" in text or statuses & BLOCKED_HTTP_STATUSES:
        return blocked(item, "YouTube's bot check or an HTTP 429/403 answer")
    if "http error 429" in text or "http error 403" in text:
        return blocked(item, "an HTTP 429/403 answer")
    if "inappropriate for some users" in text or "confirm your age" in text:
        return age_restricted(item)
    if "playlist does not exist" in text:
        return PlaylistUnavailableError(f"Playlist {item} does not exist or is private. Check the playlist URL.")
    if "video unavailable" in text or "video is unavailable" in text or "has been removed" in text:
        return video_unavailable(item)
    if "no video formats found" in text or "requested format is not available" in text:
        return NoAudioStreamError(f"Video {item} offers no audio stream to download (a live stream, a premiere "
                                  "or a protected video); pass its recording or a transcript file instead.")
    transport = next((c for c in _causes(exc) if isinstance(c, ytdlp_network.TransportError)), None)
    if transport is not None:  # proxy, TLS, connection refused, timeout
        return network_failure(item, transport)
    return TransientError(
        f"yt-dlp could not read YouTube's answer for {item}: {_strip_prefix(str(exc))}. "
        "Check the network or the proxy"
    )


def _causes(exc: BaseException) -> list[BaseException]:
    """The chain of causes of a yt-dlp error, the error itself first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        exc_info = getattr(current, "exc_info", None)
        candidates = (
            getattr(current, "cause", None),  # yt-dlp sometimes gives a message here, not an exception
            exc_info[1] if exc_info and exc_info[1] is not current else None,
            current.__cause__,
        )
        current = next((cause for cause in candidates if isinstance(cause, BaseException)), None)
    return seen


def _first_line_of_cause(exc: Exception) -> str:
    """The library's one-line reason, without its advice to file a GitHub issue."""
    cause = str(getattr(exc, "cause", "") or exc).strip()
    return cause.splitlines()[0] if cause else type(exc).__name__


def _strip_prefix(message: str) -> str:
    return message.removeprefix("ERROR: ").strip()
