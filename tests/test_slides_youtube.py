"""Slides of a YouTube video: `--slides` downloads its picture (video only, at most 720p) through the exit
node pool with yt-dlp, reads it, and removes it; `kill -9` or Ctrl-C mid-reading, then `resume`, repeats nothing
done."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shlex
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.cli import Terminal, run_cli, start_cli
from tests.conftest import LECTURE, trust
from tubenotes.testing.fake_youtube import FakeCaptionTrack, FakePicture, FakeVideo, FakeYouTube
from tubenotes.testing.fake_youtube_pages import VIDEO_ONLY_ITAG
from tubenotes.testing.socks5 import Socks5Server
from tubenotes.testing.synthetic_slides import SlideSpec, make_lecture_video

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SHORT, LONG = "slideshort1", "slidelong01"
TOPICS = ["Energy", "Entropy", "Enthalpy", "Heat Capacity", "Ideal Gases", "Phase Changes", "Carnot Cycles",
          "Refrigerators", "Free Energy", "Equilibrium", "Kinetic Theory", "Review"]


def _slides(count: int) -> list[SlideSpec]:
    return [SlideSpec(title, [f"What {title.lower()} means", "An example"], seconds=6.0) for title in TOPICS[:count]]


def _captions(seconds: float) -> list[tuple[float, float, str]]:
    lines = LECTURE * (1 + int(seconds // (3.0 * len(LECTURE))))
    return [(3.0 * i, 3.0, line) for i, line in enumerate(lines) if 3.0 * i < seconds]


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Video-only streams, as YouTube serves them for 720p: six slides, and twelve."""
    folder = tmp_path_factory.mktemp("streams")
    made = {}
    for video_id, count in ((SHORT, 6), (LONG, 12)):
        make_lecture_video(_slides(count), folder / f"{video_id}.mp4", size=(1280, 720), fps=5, sound=False)
        made[video_id] = (folder / f"{video_id}.mp4").read_bytes()
    return made


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch, pictures: dict[str, bytes]) -> Iterator[FakeYouTube]:
    videos = [FakeVideo(video_id, title=f"Thermodynamics {video_id[-2:]}", duration=seconds,
                        captions=[FakeCaptionTrack("en", _captions(seconds))], picture=FakePicture(data))
              for (video_id, data), seconds in zip(pictures.items(), (36, 72))]
    with FakeYouTube(videos) as fake:
        trust(monkeypatch, fake.ca_file)
        yield fake


@pytest.fixture
def socks(youtube: FakeYouTube) -> Iterator[Socks5Server]:
    with Socks5Server(youtube.address) as server:
        yield server


def jobs_by_id(vault: Path) -> dict[str, dict]:
    status = run_cli("status", "--vault", vault, "--json")
    assert status.returncode == 0, status.stderr
    return {job["video_id"]: job for job in json.loads(status.stdout)}


def test_slides_of_a_youtube_video_come_through_the_pool(tmp_path: Path, youtube: FakeYouTube, socks) -> None:
    vault = tmp_path / "vault"
    through = ["--network", "proxies", f"--proxy={socks.proxy_url('node', 'pw')}", "--model", "offline"]
    result = run_cli("run", SHORT, "--slides", "--vault", vault, *through, "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr

    job = jobs_by_id(vault)[SHORT]
    assert job["stage"] == "completed" and job["attempts"]["slides"] == 1
    notes = Path(job["notes_file"]).read_text()
    assert [title for title in TOPICS[:6] if f"|{title}]]" in notes] == TOPICS[:6]
    assert len(list((vault / "General" / "attachments").iterdir())) == 6
    # Video only, 720p, through the proxy; then removed.
    downloads = youtube.streams_requested["136"]
    assert downloads >= 1 and youtube.streams_requested[str(VIDEO_ONLY_ITAG)] == 0
    assert set(youtube.requests_by_ip) == {socks.exit_ip_for("node")}
    assert not any((vault / ".tubenotes" / "video").iterdir())

    # Without --slides a YouTube video costs no download.
    other = tmp_path / "other"
    assert run_cli("run", SHORT, "--vault", other, *through, "--quiet").returncode == 0
    assert youtube.streams_requested["136"] == downloads
    assert not (other / "General" / "attachments").exists()


def test_kill_9_mid_slides_then_resume_repeats_nothing_done(tmp_path: Path, youtube: FakeYouTube, socks) -> None:
    vault = tmp_path / "vault"
    run = ["run", SHORT, LONG, "--slides", "--vault", vault, "--network", "proxies",
           f"--proxy={socks.proxy_url('node', 'pw')}", "--model", "offline", "--no-pdf", "--quiet"]
    process = start_cli(*run)
    try:
        checkpoint = _wait_for_slides(vault, LONG, at_least=2)
    finally:
        process.kill()
        process.wait()
    done = json.loads(checkpoint.read_text())
    assert done["resume_at"] < 60, "the kill came after the reading: it proves less"
    killed = jobs_by_id(vault)
    assert killed[LONG]["stage"] == "transcript_fetched"
    downloads = youtube.streams_requested["136"]
    # A mark on a picture found before the kill: read again, it would be replaced.
    first = checkpoint.parent / "slide 01.webp"
    marked = io.BytesIO()
    Image.new("RGB", (32, 18), "magenta").save(marked, format="WEBP")
    first.write_bytes(marked.getvalue())

    resumed = run_cli("resume", "--vault", vault, f"--proxy={socks.proxy_url('node', 'pw')}", "--quiet")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    jobs = jobs_by_id(vault)
    assert jobs[LONG]["stage"] == "completed"
    notes = Path(jobs[LONG]["notes_file"]).read_text()
    assert [title for title in TOPICS if f"|{title}]]" in notes] == TOPICS
    attachments = vault / "General" / "attachments"
    assert (attachments / f"{Path(jobs[LONG]['notes_file']).stem} - slide 01.webp").read_bytes() == marked.getvalue()
    assert youtube.streams_requested["136"] == downloads  # the video waited in the vault: not downloaded again
    if killed[SHORT]["stage"] == "completed":
        assert jobs[SHORT] == killed[SHORT]


def test_ctrl_c_mid_slides_exits_cleanly_keeps_the_slides_read_and_resume_reads_on(
        tmp_path: Path, youtube: FakeYouTube, socks) -> None:
    vault = tmp_path / "vault"
    proxy = f"--proxy={socks.proxy_url('node', 'pw')}"
    with Terminal("run", LONG, "--slides", "--vault", vault, "--network", "proxies", proxy, "--model", "offline",
                  "--no-pdf", cwd=tmp_path) as terminal:
        terminal.wait_for(r"reading slides")
        checkpoint = _wait_for_slides(vault, LONG, at_least=2)
        terminal.interrupt()  # Ctrl-C, to the whole process group, as a terminal sends it
        code = terminal.wait(timeout=120)
        said = " ".join(terminal.output.split())
    assert code == 130, said
    assert "Traceback" not in said and "StageInterrupted" not in said, said
    hint = re.search(r"Run `([^`]*)` to go on", said)
    assert hint is not None and hint.group(1) == (f"tubenotes resume --vault {vault} "
                                                   "with your --proxy and --tor-option flags"), said

    # The slides read before Ctrl-C are kept; the job waits at its last checkpoint, not failed.
    kept = json.loads(checkpoint.read_text())
    assert len(kept["slides"]) >= 2 and kept["resume_at"] < 70, "Ctrl-C came after the reading: it proves less"
    assert jobs_by_id(vault)[LONG]["stage"] == "transcript_fetched"
    # Each picture read so far gets a mark of its own: read again, it would be replaced.
    marks = {}
    for number, slide in enumerate(kept["slides"], start=1):
        marked = io.BytesIO()
        Image.new("RGB", (32, 18), (number * 20, 0, 255)).save(marked, format="WEBP")
        (vault / slide["picture"]).write_bytes(marked.getvalue())
        marks[number] = hashlib.sha256(marked.getvalue()).hexdigest()

    resume = shlex.split(hint.group(1).split(" with your ")[0])[1:]  # the command as printed, with the proxy
    resumed = run_cli(*resume, proxy, "--quiet", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    job = jobs_by_id(vault)[LONG]
    assert job["stage"] == "completed" and not job["warnings"], job
    notes = Path(job["notes_file"]).read_text()
    assert [title for title in TOPICS if f"|{title}]]" in notes] == TOPICS
    attachments = vault / "General" / "attachments"
    stem = Path(job["notes_file"]).stem
    assert {number: hashlib.sha256((attachments / f"{stem} - slide {number:02d}.webp").read_bytes()).hexdigest()
            for number in marks} == marks
    assert len(list(attachments.iterdir())) == len(TOPICS)


def _wait_for_slides(vault: Path, video_id: str, at_least: int, timeout: float = 300) -> Path:
    deadline = time.monotonic() + timeout
    folder = vault / ".tubenotes" / "slides"
    while time.monotonic() < deadline:
        for checkpoint in folder.glob(f"{video_id}-*/slides.json") if folder.is_dir() else ():
            try:
                if len(json.loads(checkpoint.read_text())["slides"]) >= at_least:
                    return checkpoint
            except (OSError, ValueError):
                pass
        time.sleep(0.05)
    raise AssertionError(f"{video_id} never had {at_least} slides read")
