"""The videos a fake YouTube serves, and the pages and JSON it answers with.

The shapes follow what youtube-transcript-api 1.2.5 (``_transcripts.py``) and
yt-dlp's youtube extractors (``extractor/youtube/_video.py``, ``_tab.py``)
read: the watch page with ``ytcfg.set({... "INNERTUBE_API_KEY" ...})``,
``ytInitialPlayerResponse`` and ``ytInitialData``; the innertube player JSON
with ``captions.playerCaptionsTracklistRenderer``; the timedtext XML; oEmbed;
the playlist page. Only the fields those readers use are filled in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from html import escape
from urllib.parse import urlencode

INNERTUBE_API_KEY = "AIzaFakeTubenotesKey0123456789"
BOT_CHECK_REASON = "Sign in to confirm you\u2019re not a bot"  # the curly apostrophe is YouTube's
AGE_RESTRICTED_REASON = "This video may be inappropriate for some users."
UNAVAILABLE_REASON = "This video is unavailable"
PRIVATE_REASON = "Private video"
CONSENT_FORM_VALUE = "cb.20240101-00-p0.en+FX+000"


class VideoVariant(StrEnum):
    """How the fake answers for one video."""

    OK = "ok"
    BLOCKED = "blocked"  # the reCAPTCHA page, then the bot check: what a blocked IP sees
    BOT_CHECK = "bot_check"
    RATE_LIMITED = "rate_limited"  # HTTP 429 on every request
    AGE_RESTRICTED = "age_restricted"
    UNAVAILABLE = "unavailable"
    PRIVATE = "private"
    CAPTIONS_DISABLED = "captions_disabled"
    CONSENT = "consent"  # the cookie consent page until the CONSENT/SOCS cookie is sent
    PO_TOKEN = "po_token"  # caption URLs that need a PO token (``&exp=xpe``)


@dataclass
class FakeCaptionTrack:
    language_code: str
    segments: list[tuple[float, float, str]]  # (start, duration, text)
    generated: bool = False
    name: str | None = None
    translatable: bool = True

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        suffix = " (auto-generated)" if self.generated else ""
        return f"{self.language_code}{suffix}"


def _default_tracks() -> list[FakeCaptionTrack]:
    return [
        FakeCaptionTrack(
            "en",
            [(0.0, 4.0, "Welcome to the lecture."), (4.0, 5.5, "Today we study entropy.")],
        )
    ]


@dataclass
class FakeAudio:
    """An audio stream the player response offers (``streamingData``), served at ``/videoplayback``."""

    data: bytes
    mime_type: str = 'audio/webm; codecs="opus"'
    itag: int = 251
    bitrate: int = 64000


@dataclass
class FakePicture:
    """A video-only stream at 720p the player response offers, served at ``/videoplayback``: what a
    client that reads slides downloads."""

    data: bytes
    mime_type: str = 'video/mp4; codecs="avc1.4d401f"'
    itag: int = 136
    bitrate: int = 1_500_000


# A 1080p video-only stream offered beside the others, as YouTube does: a client asking for
# audio, or for at most 720p, must never fetch it.
VIDEO_ONLY_ITAG = 137


@dataclass
class FakeVideo:
    video_id: str
    title: str = "A lecture"
    channel: str = "A channel"
    duration: int = 600
    upload_date: str = "2024-03-01"  # ISO date
    description: str = "A lecture about things."
    chapters: list[tuple[int, str]] = field(default_factory=list)  # (start seconds, title)
    captions: list[FakeCaptionTrack] = field(default_factory=_default_tracks)
    translation_languages: dict[str, str] = field(default_factory=lambda: {"de": "German", "fr": "French"})
    variant: VideoVariant = VideoVariant.OK
    audio: FakeAudio | None = None  # without it or a picture, no formats are offered
    picture: FakePicture | None = None

    @property
    def full_description(self) -> str:
        """The description with chapter lines, which is where YouTube chapters come from."""
        lines = [f"{start // 60}:{start % 60:02d} {title}" for start, title in self.chapters]
        return "\n".join([self.description, *lines]) if lines else self.description


@dataclass
class FakePlaylist:
    playlist_id: str
    title: str
    video_ids: list[str]
    channel: str = "A channel"


# --- watch page and player response -------------------------------------------


def playability_status(video: FakeVideo) -> dict:
    if video.variant in (VideoVariant.BOT_CHECK, VideoVariant.BLOCKED):
        return {"status": "LOGIN_REQUIRED", "reason": BOT_CHECK_REASON}
    if video.variant is VideoVariant.AGE_RESTRICTED:
        return {"status": "LOGIN_REQUIRED", "reason": AGE_RESTRICTED_REASON}
    if video.variant is VideoVariant.UNAVAILABLE:
        return {"status": "ERROR", "reason": UNAVAILABLE_REASON}
    if video.variant is VideoVariant.PRIVATE:
        return {
            "status": "LOGIN_REQUIRED",
            "reason": PRIVATE_REASON,
            "errorScreen": {
                "playerErrorMessageRenderer": {
                    "reason": {"simpleText": PRIVATE_REASON},
                    "subreason": {"simpleText": "Sign in if you've been granted access to this video"},
                }
            },
        }
    return {"status": "OK", "playableInEmbed": True}


def player_response(video: FakeVideo, base_url: str) -> dict:
    """The innertube player JSON; also embedded in the watch page."""
    status = playability_status(video)
    response: dict = {"playabilityStatus": status}
    if status["status"] != "OK":
        return response
    response["videoDetails"] = {
        "videoId": video.video_id,
        "title": video.title,
        "lengthSeconds": str(video.duration),
        "channelId": "UC" + "x" * 22,
        "shortDescription": video.full_description,
        "author": video.channel,
        "isLiveContent": False,
        "viewCount": "1234",
        "keywords": [],
    }
    response["microformat"] = {
        "playerMicroformatRenderer": {
            "title": {"simpleText": video.title},
            "description": {"simpleText": video.full_description},
            "lengthSeconds": str(video.duration),
            "ownerChannelName": video.channel,
            "uploadDate": video.upload_date,
            "publishDate": video.upload_date,
            "category": "Education",
        }
    }
    if video.variant is not VideoVariant.CAPTIONS_DISABLED:
        response["captions"] = {"playerCaptionsTracklistRenderer": _captions(video, base_url)}
    if video.audio is not None or video.picture is not None:
        response["streamingData"] = _streaming_data(video, base_url)
    return response


def _streaming_data(video: FakeVideo, base_url: str) -> dict:
    """The formats yt-dlp chooses from: the audio stream, a 720p video-only one, and a (larger) 1080p one."""
    duration_ms = str(video.duration * 1000)

    def url(itag: int) -> str:
        return f"{base_url}/videoplayback?{urlencode({'id': video.video_id, 'itag': itag})}"

    formats = []
    if video.audio is not None:
        audio = video.audio
        formats.append({
            "itag": audio.itag, "url": url(audio.itag), "mimeType": audio.mime_type,
            "bitrate": audio.bitrate, "averageBitrate": audio.bitrate, "contentLength": str(len(audio.data)),
            "audioQuality": "AUDIO_QUALITY_MEDIUM", "audioSampleRate": "48000", "audioChannels": 1,
            "approxDurationMs": duration_ms,
        })
    if video.picture is not None:
        picture = video.picture
        formats.append({
            "itag": picture.itag, "url": url(picture.itag), "mimeType": picture.mime_type,
            "bitrate": picture.bitrate, "averageBitrate": picture.bitrate, "width": 1280, "height": 720, "fps": 30,
            "quality": "hd720", "qualityLabel": "720p", "contentLength": str(len(picture.data)),
            "approxDurationMs": duration_ms,
        })
    formats.append({
        "itag": VIDEO_ONLY_ITAG, "url": url(VIDEO_ONLY_ITAG), "mimeType": 'video/mp4; codecs="avc1.640028"',
        "bitrate": 4_000_000, "averageBitrate": 4_000_000, "width": 1920, "height": 1080, "fps": 30,
        "quality": "hd1080", "qualityLabel": "1080p", "contentLength": str(video.duration * 500_000),
        "approxDurationMs": duration_ms,
    })
    return {"expiresInSeconds": "21540", "adaptiveFormats": formats}


def _captions(video: FakeVideo, base_url: str) -> dict:
    tracks = []
    for track in video.captions:
        query = {"v": video.video_id, "lang": track.language_code}
        if track.generated:
            query["kind"] = "asr"
        url = f"{base_url}/api/timedtext?{urlencode(query)}&fmt=srv3"
        if video.variant is VideoVariant.PO_TOKEN:
            url += "&exp=xpe"
        caption = {
            "baseUrl": url,
            "name": {"runs": [{"text": track.display_name}]},
            "languageCode": track.language_code,
            "isTranslatable": track.translatable,
        }
        if track.generated:
            caption["kind"] = "asr"
        tracks.append(caption)
    translations = [
        {"languageCode": code, "languageName": {"runs": [{"text": name}]}}
        for code, name in video.translation_languages.items()
    ]
    return {"captionTracks": tracks, "translationLanguages": translations}


def watch_initial_data(video: FakeVideo) -> dict:
    """``ytInitialData`` of a watch page: where yt-dlp reads the channel name."""
    owner = {"videoOwnerRenderer": {"title": {"runs": [{"text": video.channel}]}}}
    return {
        "contents": {
            "twoColumnWatchNextResults": {
                "results": {
                    "results": {
                        "contents": [
                            {"videoPrimaryInfoRenderer": {"title": {"runs": [{"text": video.title}]}}},
                            {"videoSecondaryInfoRenderer": {"owner": owner}},
                        ]
                    }
                }
            }
        }
    }


def _ytcfg() -> dict:
    return {
        "INNERTUBE_API_KEY": INNERTUBE_API_KEY,
        "INNERTUBE_CLIENT_NAME": "WEB",
        "INNERTUBE_CLIENT_VERSION": "2.20250101.00.00",
        "INNERTUBE_CONTEXT": {"client": {"clientName": "WEB", "clientVersion": "2.20250101.00.00", "hl": "en"}},
        "VISITOR_DATA": "CgtGYWtlVmlzaXRvcg%3D%3D",
    }


def _page(title: str, *scripts: str) -> str:
    body = "\n".join(f"<script>{script}</script>" for script in scripts)
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)} - YouTube</title>"
        f'<meta property="og:title" content="{escape(title)}"></head>'
        f"<body>\n{body}\n</body></html>"
    )


def watch_page(video: FakeVideo, base_url: str) -> str:
    return _page(
        video.title,
        f"ytcfg.set({json.dumps(_ytcfg())});",
        f"var ytInitialPlayerResponse = {json.dumps(player_response(video, base_url))};",
        f"var ytInitialData = {json.dumps(watch_initial_data(video))};",
    )


def recaptcha_page() -> str:
    """What a blocked address gets instead of the watch page."""
    return (
        "<html><body><form id=\"captcha-form\" action=\"index\" method=\"post\">"
        '<div class="g-recaptcha" data-sitekey="fake"></div>'
        "Our systems have detected unusual traffic from your computer network.</form></body></html>"
    )


def consent_page(video_id: str) -> str:
    return (
        '<html><body><form action="https://consent.youtube.com/s" method="POST">'
        f'<input type="hidden" name="v" value="{CONSENT_FORM_VALUE}">'
        f'<input type="hidden" name="continue" value="https://www.youtube.com/watch?v={video_id}">'
        "<button>Accept all</button></form></body></html>"
    )


def timedtext_xml(track: FakeCaptionTrack, translate_to: str | None) -> str:
    """Caption XML; a translation is marked by a ``[lang]`` prefix on each line."""
    prefix = f"[{translate_to}] " if translate_to else ""
    lines = [
        f'<text start="{start}" dur="{duration}">{escape(prefix + text)}</text>'
        for start, duration, text in track.segments
    ]
    return '<?xml version="1.0" encoding="utf-8" ?><transcript>' + "".join(lines) + "</transcript>"


def oembed_json(video: FakeVideo) -> dict:
    return {
        "title": video.title,
        "author_name": video.channel,
        "type": "video",
        "provider_name": "YouTube",
        "version": "1.0",
    }


# --- playlist ------------------------------------------------------------------


def playlist_data(playlist: FakePlaylist, titles: dict[str, str]) -> dict:
    """``ytInitialData`` of a playlist page, also the innertube browse answer."""
    entries = [
        {
            "playlistVideoRenderer": {
                "videoId": video_id,
                "title": {"runs": [{"text": titles.get(video_id, video_id)}]},
                "index": {"simpleText": str(position)},
                "lengthSeconds": "600",
                "isPlayable": True,
                "shortBylineText": {"runs": [{"text": playlist.channel}]},
            }
        }
        for position, video_id in enumerate(playlist.video_ids, start=1)
    ]
    video_list = {"playlistVideoListRenderer": {"contents": entries, "playlistId": playlist.playlist_id}}
    tab = {
        "tabRenderer": {
            "selected": True,
            "content": {"sectionListRenderer": {"contents": [{"itemSectionRenderer": {"contents": [video_list]}}]}},
        }
    }
    return {
        "contents": {"twoColumnBrowseResultsRenderer": {"tabs": [tab]}},
        "metadata": {"playlistMetadataRenderer": {"title": playlist.title}},
        "header": {
            "playlistHeaderRenderer": {"playlistId": playlist.playlist_id, "title": {"simpleText": playlist.title}}
        },
    }


MISSING_PLAYLIST_DATA = {
    "alerts": [{"alertRenderer": {"type": "ERROR", "text": {"runs": [{"text": "The playlist does not exist."}]}}}],
}


def browse_page(title: str, data: dict) -> str:
    return _page(title, f"ytcfg.set({json.dumps(_ytcfg())});", f"var ytInitialData = {json.dumps(data)};")
