"""`tubenotes run` on YouTube URLs and a playlist, end to end, through proxies to the fake YouTube.

The real code path runs: the CLI, the exit node pool, SOCKS5 with credentials,
TLS, youtube-transcript-api and yt-dlp, against local servers only.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.conftest import LECTURE, trust
from tubenotes.testing.fake_youtube import FakeCaptionTrack, FakePlaylist, FakeVideo, FakeYouTube, VideoVariant
from tubenotes.testing.socks5 import Socks5Server

PLAYLIST = "PLthermo0000001"
LECTURES = ["thermo00001", "thermo00002", "thermo00003"]
SINGLE, NO_CAPTIONS, BLOCKED = "single00001", "nocaptions1", "blockedvid1"


def lecture_video(video_id: str, title: str, variant: VideoVariant = VideoVariant.OK) -> FakeVideo:
    segments = [(6.0 * i, 6.0, line) for i, line in enumerate(LECTURE * 2)]
    return FakeVideo(video_id, title=title, channel="Open Lecture Hall", duration=150, variant=variant,
                     chapters=[(0, "The first law"), (72, "Processes")],
                     captions=[FakeCaptionTrack("en", segments)])


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYouTube]:
    videos = [lecture_video(vid, f"Thermodynamics {n}") for n, vid in enumerate(LECTURES, 1)]
    videos += [lecture_video(SINGLE, "A Single Lecture"),
               lecture_video(NO_CAPTIONS, "Silent", VideoVariant.CAPTIONS_DISABLED),
               lecture_video(BLOCKED, "Blocked Everywhere", VideoVariant.BLOCKED)]
    with FakeYouTube(videos, [FakePlaylist(PLAYLIST, "Physics 101", LECTURES)]) as fake:
        trust(monkeypatch, fake.ca_file)
        yield fake


def tubenotes(vault: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, "--vault", str(vault))


def jobs_by_id(vault: Path) -> dict[str, dict]:
    result = tubenotes(vault, "status", "--json")
    assert result.returncode == 0, result.stderr
    return {job["video_id"]: job for job in json.loads(result.stdout)}


@pytest.mark.slow
def test_playlist_and_videos_through_proxies_with_a_blocked_node(tmp_path: Path, youtube, socks) -> None:
    youtube.blocked_ips.add(socks.exit_ip_for("node-a"))
    proxies = [f"--proxy={socks.proxy_url(user, f'pw-{user}-secret')}" for user in ("node-a", "node-b", "node-c")]
    vault = tmp_path / "vault"
    playlist_url = f"https://www.youtube.com/playlist?list={PLAYLIST}"
    result = tubenotes(vault, "run", playlist_url, f"https://youtu.be/{SINGLE}?t=42",
                       f"https://www.youtube.com/watch?v={NO_CAPTIONS}", "--network", "proxies", *proxies,
                       "--pool-size", "3", "--no-pdf", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr  # one video has no captions

    jobs = jobs_by_id(vault)
    assert [jobs[vid]["stage"] for vid in LECTURES + [SINGLE]] == ["completed"] * 4
    assert [jobs[vid]["subject"] for vid in LECTURES] == ["Physics 101"] * 3  # the playlist's title
    assert jobs[SINGLE]["subject"] == "General"
    note = Path(jobs[LECTURES[1]]["notes_file"])
    assert note == vault / "Physics 101" / "Thermodynamics 2.md"
    text = note.read_text()
    assert "channel: Open Lecture Hall" in text and f"watch?v={LECTURES[1]}&t=" in text
    assert jobs[NO_CAPTIONS]["stage"] == "failed" and jobs[NO_CAPTIONS]["error_kind"] == "transcripts_disabled"
    assert "caption" in jobs[NO_CAPTIONS]["error"].lower()
    assert jobs[NO_CAPTIONS]["attempts"] == {"fetch": 1}  # permanent: never retried

    listing = tubenotes(vault, "status")
    assert "exit nodes" in listing.stdout
    blocked_ip = socks.exit_ip_for("node-a")
    assert youtube.requests_by_ip[blocked_ip] >= 1  # node-a was used, and was blocked
    everything = result.stdout + result.stderr + listing.stdout + (vault / ".tubenotes" / "tubenotes.db").read_bytes().decode("latin-1")
    everything += "".join(p.read_text() for p in vault.rglob("*.md"))
    assert "secret" not in everything, "a proxy password leaked into output, the store or the notes"


@pytest.mark.slow
def test_a_video_blocked_on_every_node_fails_clearly_and_the_rest_complete(tmp_path: Path, youtube, socks) -> None:
    vault = tmp_path / "vault"
    proxies = [f"--proxy={socks.proxy_url(user, 'pw')}" for user in ("node-a", "node-b")]
    result = tubenotes(vault, "run", BLOCKED, SINGLE, "--network", "proxies", *proxies, "--max-attempts", "2",
                       "--no-pdf", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    jobs = jobs_by_id(vault)
    assert jobs[SINGLE]["stage"] == "completed"
    assert jobs[BLOCKED]["stage"] == "failed" and jobs[BLOCKED]["error_kind"] == "all_nodes_blocked"
    assert "every attempt was blocked" in jobs[BLOCKED]["error"] and "--pool-size" in jobs[BLOCKED]["error"]
    assert jobs[BLOCKED]["attempts"] == {"fetch": 2}


@pytest.mark.slow
def test_a_dead_node_is_retried_on_a_live_one(tmp_path: Path, youtube, socks) -> None:
    with Socks5Server(youtube.address, dead=True) as dead:
        vault = tmp_path / "vault"
        result = tubenotes(vault, "run", SINGLE, "--network", "proxies", f"--proxy={dead.proxy_url('d', 'pw')}",
                           f"--proxy={socks.proxy_url('live', 'pw')}", "--pool-size", "2", "--timeout", "3",
                           "--no-pdf", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    assert jobs_by_id(vault)[SINGLE]["stage"] == "completed"
