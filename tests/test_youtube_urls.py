"""Every form a user may type for a YouTube video or playlist."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tubenotes.errors import InputError
from tubenotes.sources.youtube_urls import RefKind, YouTubeRef, parse_youtube_input

VIDEO = "dQw4w9WgXcQ"
PLAYLIST = "PLoROMvodv4rMiGQp3WXShtMGgzqpfVfbU"


@pytest.mark.parametrize(
    "text",
    [
        VIDEO,
        f"  {VIDEO}\n",
        f"https://www.youtube.com/watch?v={VIDEO}",
        f"http://youtube.com/watch?v={VIDEO}",
        f"www.youtube.com/watch?v={VIDEO}",
        f"youtube.com/watch?v={VIDEO}",
        f"https://m.youtube.com/watch?v={VIDEO}&feature=share",
        f"https://music.youtube.com/watch?v={VIDEO}&si=abc",
        f"https://www.youtube.com/watch?feature=youtu.be&v={VIDEO}&ab_channel=X",
        f"https://youtu.be/{VIDEO}",
        f"youtu.be/{VIDEO}?si=xyz",
        f"https://www.youtube.com/shorts/{VIDEO}",
        f"https://youtube.com/shorts/{VIDEO}?feature=share",
        f"https://www.youtube.com/embed/{VIDEO}?rel=0",
        f"https://www.youtube-nocookie.com/embed/{VIDEO}",
        f"https://www.youtube.com/live/{VIDEO}?si=abc",
        f"https://www.youtube.com/v/{VIDEO}",
        f"HTTPS://WWW.YOUTUBE.COM/watch?v={VIDEO}",
    ],
)
def test_video_forms(text: str) -> None:
    ref = parse_youtube_input(text)
    assert ref.kind is RefKind.VIDEO
    assert ref.video_id == VIDEO
    assert ref.start is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (f"https://youtu.be/{VIDEO}?t=123", 123),
        (f"https://www.youtube.com/watch?v={VIDEO}&t=90s", 90),
        (f"https://www.youtube.com/watch?v={VIDEO}&t=1h2m3s", 3723),
        (f"https://www.youtube.com/watch?v={VIDEO}&t=2m", 120),
        (f"https://www.youtube.com/embed/{VIDEO}?start=45", 45),
        (f"https://www.youtube.com/watch?v={VIDEO}#t=1m5s", 65),
    ],
)
def test_start_offsets(text: str, seconds: int) -> None:
    assert parse_youtube_input(text).start == seconds


def test_playlist_urls() -> None:
    for text in (
        f"https://www.youtube.com/playlist?list={PLAYLIST}",
        f"youtube.com/playlist?list={PLAYLIST}&si=abc",
        f"https://m.youtube.com/playlist?list={PLAYLIST}",
        f"https://www.youtube.com/embed/videoseries?list={PLAYLIST}",
    ):
        assert parse_youtube_input(text) == YouTubeRef(RefKind.PLAYLIST, playlist_id=PLAYLIST)


def test_watch_url_with_video_and_list_is_the_video() -> None:
    ref = parse_youtube_input(f"https://www.youtube.com/watch?v={VIDEO}&list={PLAYLIST}&index=3")
    assert (ref.kind, ref.video_id, ref.playlist_id) == (RefKind.VIDEO, VIDEO, PLAYLIST)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "dQw4w9WgXc",  # ten characters
        "dQw4w9WgXcQQ",  # twelve
        "dQw4w9WgX!Q",
        "https://vimeo.com/123456",
        f"https://example.com/watch?v={VIDEO}",
        f"https://notyoutube.com/watch?v={VIDEO}",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch",
        "https://www.youtube.com/@somechannel",
        "https://youtu.be/",
        f"ftp://www.youtube.com/watch?v={VIDEO}",
        "https://www.youtube.com/playlist",
    ],
)
def test_invalid_input_names_itself_and_the_accepted_forms(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_youtube_input(text)
    message = str(caught.value)
    assert repr(text) in message
    assert "youtu.be/ID" in message and "11-character video ID" in message


# --- properties ------------------------------------------------------------------

ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
# "videoseries" is eleven letters too, but YouTube's word for a playlist embed, never a video.
video_ids = st.text(alphabet=ID_ALPHABET, min_size=11, max_size=11).filter(lambda text: text != "videoseries")
playlist_ids = st.text(alphabet=ID_ALPHABET, min_size=13, max_size=40)
hosts = st.sampled_from(
    ["youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "www.youtube-nocookie.com"]
)
schemes = st.sampled_from(["https://", "http://", ""])
video_paths = st.sampled_from(["watch?v={id}", "shorts/{id}", "embed/{id}", "live/{id}", "v/{id}"])
extra_params = st.lists(
    st.tuples(st.sampled_from(["si", "feature", "ab_channel", "pp"]), st.text(alphabet=ID_ALPHABET, max_size=8)),
    max_size=3,
)


@given(video_ids, schemes, hosts, video_paths, extra_params, st.one_of(st.none(), st.integers(0, 40_000)))
def test_any_video_url_form_round_trips(video_id, scheme, host, path, params, start) -> None:
    url = f"{scheme}{host}/{path.format(id=video_id)}"
    query = [f"{key}={value}" for key, value in params] + ([f"t={start}s"] if start is not None else [])
    if query:
        url += ("&" if "?" in url else "?") + "&".join(query)
    ref = parse_youtube_input(url)
    assert (ref.kind, ref.video_id, ref.start) == (RefKind.VIDEO, video_id, start)
    assert parse_youtube_input(ref.url) == ref


@given(video_ids)
def test_bare_ids_and_short_links_round_trip(video_id) -> None:
    assert parse_youtube_input(video_id).video_id == video_id
    assert parse_youtube_input(f"https://youtu.be/{video_id}").video_id == video_id


@given(playlist_ids, schemes, hosts)
def test_playlist_urls_round_trip(playlist_id, scheme, host) -> None:
    ref = parse_youtube_input(f"{scheme}{host}/playlist?list={playlist_id}")
    assert ref == YouTubeRef(RefKind.PLAYLIST, playlist_id=playlist_id)
    assert parse_youtube_input(ref.url) == ref


@given(st.text(max_size=80))
def test_random_text_never_crashes(text) -> None:
    try:
        ref = parse_youtube_input(text)
    except InputError:
        return
    assert ref.video_id or ref.playlist_id
