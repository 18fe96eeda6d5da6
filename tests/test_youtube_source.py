"""YouTubeSource through a real SOCKS5 server to the fake YouTube, over real TLS."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.conftest import trust
from tubenotes.errors import BlockedError, PermanentError, TransientError
from tubenotes.job import Chapter
from tubenotes.sources.youtube import YouTubeSource
from tubenotes.sources.youtube_errors import (
    AgeRestrictedError,
    NoTranscriptError,
    PlaylistUnavailableError,
    PoTokenRequiredError,
    PrivateVideoError,
    TranscriptsDisabledError,
    VideoUnavailableError,
)
from tubenotes.sources.youtube_http import TimeoutSession
from tubenotes.sources.youtube_metadata import (
    expand_playlist,
    fetch_oembed_title,
    metadata_from_info,
)
from tubenotes.testing.fake_youtube import (
    FakeCaptionTrack,
    FakePlaylist,
    FakeVideo,
    FakeYouTube,
    VideoVariant,
)
from tubenotes.testing.socks5 import Socks5Server

LECTURE = "lecture0001"
SEGMENTS_EN = [(0.0, 4.0, "Welcome."), (4.0, 3.5, "Entropy always grows."), (7.5, 2.0, "Thank you.")]
SEGMENTS_DE = [(0.0, 4.0, "Willkommen."), (4.0, 3.5, "Entropie waechst.")]
VARIANT_IDS = {variant: f"{variant.value[:8]:_<8}001" for variant in VideoVariant}


def _videos() -> list[FakeVideo]:
    lecture = FakeVideo(
        LECTURE,
        title="Thermodynamics 1",
        channel="Open University",
        duration=754,
        upload_date="2023-09-14",
        description="The second law.",
        chapters=[(0, "Introduction"), (95, "Entropy"), (600, "Summary")],
        captions=[
            FakeCaptionTrack("en", [(0.0, 1.0, "auto english")], generated=True),
            FakeCaptionTrack("en", SEGMENTS_EN),
            FakeCaptionTrack("de", SEGMENTS_DE),
        ],
    )
    german_only = FakeVideo(
        "germanauto1",
        captions=[
            FakeCaptionTrack("en", [(0.0, 1.0, "english auto")], generated=True),
            FakeCaptionTrack("de", SEGMENTS_DE),
        ],
    )
    variants = [FakeVideo(VARIANT_IDS[v], variant=v) for v in VideoVariant if v is not VideoVariant.OK]
    return [lecture, german_only, *variants]


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYouTube]:
    playlist = FakePlaylist("PLfakecourse01", "Physics 101", ["germanauto1", LECTURE, VARIANT_IDS[VideoVariant.PRIVATE]])
    with FakeYouTube(_videos(), [playlist]) as fake:
        trust(monkeypatch, fake.ca_file)
        yield fake


def source(socks: Socks5Server, user: str = "node-a", **kwargs) -> YouTubeSource:
    return YouTubeSource(proxy_url=socks.proxy_url(user, "secret"), timeout=kwargs.pop("timeout", 5.0), **kwargs)


# --- transcripts -------------------------------------------------------------------


def test_manual_captions_win_over_auto_generated_and_segments_are_kept(socks, youtube) -> None:
    data = source(socks).get_transcript(LECTURE)
    assert data["track"] == "en (manual)"
    assert data["language"] == "en"
    assert data["transcript"] == "Welcome. Entropy always grows. Thank you."
    assert data["segments"] == [{"start": s, "duration": d, "text": t} for s, d, t in SEGMENTS_EN]
    assert youtube.requests_by_path["/api/timedtext"] == 1


def test_language_preference_order(socks) -> None:
    assert source(socks, languages=("de", "en")).get_transcript(LECTURE)["track"] == "de (manual)"
    # a manual German track beats an auto-generated English one, even with English first
    assert source(socks, languages=("en", "de")).get_transcript("germanauto1")["track"] == "de (manual)"
    assert source(socks, languages=("en",)).get_transcript("germanauto1")["track"] == "en (auto-generated)"


def test_translation(socks) -> None:
    data = source(socks, languages=("en",), translate_to="fr").get_transcript(LECTURE)
    assert data["track"] == "fr (translated from en)"
    assert data["language"] == "fr"
    assert data["segments"][1]["text"] == "[fr] Entropy always grows."


def test_translation_from_any_language_when_none_preferred_exists(socks) -> None:
    data = source(socks, languages=("es",), translate_to="fr").get_transcript("germanauto1")
    assert data["track"] == "fr (translated from de)"


def test_no_transcript_in_the_wanted_languages_names_what_exists(socks) -> None:
    with pytest.raises(NoTranscriptError, match=r"available: de, en.*--lang"):
        source(socks, languages=("ja",)).get_transcript(LECTURE)


def test_consent_page_is_passed(socks, youtube) -> None:
    data = source(socks).get_transcript(VARIANT_IDS[VideoVariant.CONSENT])
    assert data["track"] == "en (manual)"
    assert youtube.requests_by_path["/watch"] == 2  # consent page, then the watch page with the cookie


# --- metadata ---------------------------------------------------------------------


def test_metadata_from_yt_dlp_costs_one_extraction(socks, youtube) -> None:
    yt = source(socks)
    metadata = yt.get_video_metadata(LECTURE)
    assert (metadata.title, metadata.channel, metadata.duration_seconds) == ("Thermodynamics 1", "Open University", 754)
    assert metadata.upload_date == "2023-09-14"
    assert metadata.description.startswith("The second law.")
    assert metadata.chapters == [Chapter(0, "Introduction"), Chapter(95, "Entropy"), Chapter(600, "Summary")]
    assert yt.get_video_title(LECTURE) == "Thermodynamics 1"
    assert youtube.requests_by_path["/watch"] == 1
    assert youtube.requests_by_path["/oembed"] == 0


def test_title_falls_back_to_oembed_when_yt_dlp_fails(socks, youtube) -> None:
    youtube.failing_paths["/watch"] = 503
    youtube.failing_paths["/youtubei/v1/next"] = 503
    youtube.failing_paths["/youtubei/v1/player"] = 503
    assert source(socks).get_video_title(LECTURE) == "Thermodynamics 1"
    assert youtube.requests_by_path["/oembed"] == 1


def test_failed_extraction_is_remembered_for_the_metadata_call(socks, youtube) -> None:
    for path in ("/watch", "/youtubei/v1/next", "/youtubei/v1/player"):
        youtube.failing_paths[path] = 503
    yt = source(socks)
    assert yt.get_video_title(LECTURE) == "Thermodynamics 1"
    extraction_requests = youtube.requests_by_path.total() - youtube.requests_by_path["/oembed"]
    with pytest.raises(TransientError, match="503"):
        yt.get_video_metadata(LECTURE)
    assert youtube.requests_by_path.total() - youtube.requests_by_path["/oembed"] == extraction_requests


def test_oembed_answering_html_is_transient(socks, youtube) -> None:
    """A 200 that is not oEmbed's JSON (a consent page, a captive portal) is the network's fault."""
    youtube.failing_paths["/oembed"] = 200
    session = TimeoutSession(5.0, socks.proxy_url("node-a", "secret"))
    with session, pytest.raises(TransientError, match="captive portal") as caught:
        fetch_oembed_title(LECTURE, session)
    assert not isinstance(caught.value, BlockedError)


def test_source_closes_its_connections(socks, youtube) -> None:
    with source(socks) as yt:
        yt.get_transcript(LECTURE)
        assert socks.open_tunnels >= 1  # kept alive for the next request
    deadline = time.monotonic() + 3
    while socks.open_tunnels and time.monotonic() < deadline:
        time.sleep(0.02)
    assert socks.open_tunnels == 0


def test_metadata_from_info_leaves_out_values_of_the_wrong_type() -> None:
    info = {
        "title": 42,
        "channel": ["not", "text"],
        "uploader": " Open University ",
        "duration": "long",
        "upload_date": 20240131,
        "description": None,
        "chapters": [{"start_time": "0", "title": "Bad"}, "junk", {"start_time": 95, "title": None},
                     {"start_time": 5.5, "title": " Intro "}],
    }
    metadata = metadata_from_info(info)
    assert (metadata.title, metadata.channel, metadata.duration_seconds) == (None, "Open University", None)
    assert (metadata.upload_date, metadata.description) == (None, None)
    assert metadata.chapters == [Chapter(5.5, "Intro"), Chapter(95.0, "")]
    assert metadata_from_info({"chapters": {"start_time": 1}, "duration": True}).chapters == []


def test_oembed_failure_reraises_the_yt_dlp_error(socks, youtube) -> None:
    for path in ("/watch", "/youtubei/v1/next", "/youtubei/v1/player", "/oembed"):
        youtube.failing_paths[path] = 503
    with pytest.raises(TransientError, match="yt-dlp"):
        source(socks).get_video_title(LECTURE)


def test_playlist_expansion_in_order_with_title(socks, youtube) -> None:
    url = "https://www.youtube.com/playlist?list=PLfakecourse01"
    playlist = expand_playlist(url, proxy_url=socks.proxy_url("node-a"), timeout=5)
    assert playlist.title == "Physics 101"
    assert playlist.video_ids == ["germanauto1", LECTURE, VARIANT_IDS[VideoVariant.PRIVATE]]
    assert source(socks).expand_playlist("PLfakecourse01").video_ids == playlist.video_ids


def test_missing_playlist_is_permanent(socks) -> None:
    with pytest.raises(PlaylistUnavailableError):
        source(socks).expand_playlist("PLdoesnotexist")


# --- error classes -------------------------------------------------------------------

PERMANENT = [
    (VideoVariant.CAPTIONS_DISABLED, TranscriptsDisabledError, None),
    (VideoVariant.UNAVAILABLE, VideoUnavailableError, VideoUnavailableError),
    (VideoVariant.PRIVATE, PrivateVideoError, PrivateVideoError),
    (VideoVariant.AGE_RESTRICTED, AgeRestrictedError, AgeRestrictedError),
    (VideoVariant.PO_TOKEN, PoTokenRequiredError, None),
]


@pytest.mark.parametrize(("variant", "transcript_error", "metadata_error"), PERMANENT)
def test_permanent_variants(socks, variant, transcript_error, metadata_error) -> None:
    yt = source(socks)
    with pytest.raises(transcript_error) as caught:
        yt.get_transcript(VARIANT_IDS[variant])
    assert isinstance(caught.value, PermanentError) and caught.value.__cause__ is not None
    assert VARIANT_IDS[variant] in str(caught.value)
    if metadata_error is not None:
        with pytest.raises(metadata_error):
            yt.get_video_metadata(VARIANT_IDS[variant])


@pytest.mark.parametrize("variant", [VideoVariant.BLOCKED, VideoVariant.BOT_CHECK, VideoVariant.RATE_LIMITED])
def test_blocked_variants(socks, variant) -> None:
    yt = source(socks)
    with pytest.raises(BlockedError, match="--network tor"):
        yt.get_transcript(VARIANT_IDS[variant])
    with pytest.raises(BlockedError):
        yt.get_video_metadata(VARIANT_IDS[variant])
    if variant is VideoVariant.BOT_CHECK:
        # the bot check guards the player, not oEmbed: the title still comes
        assert yt.get_video_title(VARIANT_IDS[variant]) == "A lecture"
    else:
        with pytest.raises(BlockedError):
            yt.get_video_title(VARIANT_IDS[variant])


def test_per_exit_ip_blocking(socks, youtube) -> None:
    youtube.blocked_ips.add(socks.exit_ip_for("node-a"))
    with pytest.raises(BlockedError):
        source(socks, "node-a").get_transcript(LECTURE)
    with pytest.raises(BlockedError):
        source(socks, "node-a").get_video_metadata(LECTURE)
    assert source(socks, "node-b").get_transcript(LECTURE)["track"] == "en (manual)"
    assert source(socks, "node-b").get_video_title(LECTURE) == "Thermodynamics 1"
    assert youtube.requests_by_ip[socks.exit_ip_for("node-a")] > 0
    assert youtube.requests_by_ip[socks.exit_ip_for("node-b")] > 0
    assert socks.usernames == {"node-a", "node-b"}


def test_socks_server_saw_the_credentials_and_hosts(socks) -> None:
    yt = source(socks, "tubenotes-3")
    yt.get_transcript(LECTURE)
    yt.get_video_metadata(LECTURE)
    assert socks.connections
    assert {(c.username, c.host, c.port) for c in socks.connections} == {("tubenotes-3", "www.youtube.com", 443)}


# --- node failures and timeouts ----------------------------------------------------------


def test_dead_proxy_is_transient(youtube) -> None:
    with Socks5Server(youtube.address, dead=True) as dead:
        yt = YouTubeSource(proxy_url=dead.proxy_url("node-a"), timeout=2)
        with pytest.raises(TransientError) as caught:
            yt.get_transcript(LECTURE)
        assert not isinstance(caught.value, BlockedError)
        with pytest.raises(TransientError):
            yt.get_video_metadata(LECTURE)
    assert youtube.requests_by_path.total() == 0


def test_proxy_that_is_not_listening_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before use: nothing listens there
    yt = YouTubeSource(proxy_url=f"socks5h://u:p@127.0.0.1:{port}", timeout=2)
    with pytest.raises(TransientError):
        yt.get_transcript(LECTURE)
    with pytest.raises(TransientError):
        yt.get_video_title(LECTURE)


@pytest.mark.parametrize("path", ["/watch", "/api/timedtext"])
def test_a_server_that_never_answers_times_out(socks, youtube, path) -> None:
    youtube.hanging_paths.add(path)
    started = time.monotonic()
    with pytest.raises(TransientError):
        source(socks, timeout=1.0).get_transcript(LECTURE)
    assert time.monotonic() - started < 4


@pytest.mark.slow
def test_yt_dlp_requests_time_out_too(socks, youtube) -> None:
    youtube.hanging_paths.update({"/watch", "/youtubei/v1/next", "/youtubei/v1/player", "/oembed"})
    started = time.monotonic()
    with pytest.raises(TransientError):
        source(socks, timeout=1.0).get_video_title(LECTURE)
    assert time.monotonic() - started < 8


def test_ssl_cert_file_alone_is_honoured(socks, youtube, monkeypatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.setenv("SSL_CERT_FILE", str(youtube.ca_file))
    yt = source(socks)
    assert yt.get_transcript(LECTURE)["track"] == "en (manual)"
    assert yt.get_video_title(LECTURE) == "Thermodynamics 1"


def test_untrusted_certificate_is_a_transient_error_naming_the_variables(socks, monkeypatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises(TransientError, match="REQUESTS_CA_BUNDLE"):
        source(socks).get_transcript(LECTURE)
    with pytest.raises(TransientError, match="REQUESTS_CA_BUNDLE"):
        source(socks).get_video_metadata(LECTURE)


def test_fake_youtube_without_trustme_names_the_extra() -> None:
    """trustme is a test extra: the module imports without it, and the fake says how to get it."""
    script = (
        "import sys; sys.modules['trustme'] = None\n"
        "import tubenotes.testing.fake_youtube as fake\n"
        "try:\n    fake.FakeYouTube()\nexcept ImportError as exc:\n    print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "pip install 'tubenotes[test]'" in result.stdout
