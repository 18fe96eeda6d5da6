"""A transcription cut short, as a user does it on a terminal: `kill -9`, or Ctrl-C; then `resume`.

The recordings are a couple of minutes of speech from espeak-ng, so that the
kill lands while the real faster-whisper is at work; the live display says
when it is ("transcribing 0:30 of 2:10").
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import Terminal, run_cli
from tests.conftest import LECTURE, trust
from tubenotes.testing.fake_llm import FakeLlmServer
from tubenotes.testing.fake_youtube import FakeAudio, FakeCaptionTrack, FakeVideo, FakeYouTube, VideoVariant
from tubenotes.testing.socks5 import Socks5Server
from tubenotes.testing.synthetic_speech import speak

pytestmark = pytest.mark.timeout(600)

SPOKEN, CAPTIONED = "spokenlong1", "captioned01"
SCRIPT = " ".join(LECTURE * 3)  # about three minutes at espeak's 150 words a minute
TRANSCRIBING = r"transcribing \d+:\d\d of \d+:\d\d"
KEY = "sk-test-key"


@pytest.fixture(scope="module")
def lecture_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lecture as YouTube serves audio: Opus in WebM."""
    return speak(SCRIPT, tmp_path_factory.mktemp("audio") / "lecture.webm")


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch, lecture_audio: Path) -> Iterator[FakeYouTube]:
    spoken = FakeVideo(SPOKEN, title="Heat and Work, Spoken", duration=130, variant=VideoVariant.CAPTIONS_DISABLED,
                       audio=FakeAudio(lecture_audio.read_bytes()))
    captioned = FakeVideo(CAPTIONED, title="Entropy, Captioned", duration=130, captions=[FakeCaptionTrack(
        "en", [(6.0 * i, 6.0, line) for i, line in enumerate(LECTURE * 2)])])
    with FakeYouTube([spoken, captioned]) as fake:
        trust(monkeypatch, fake.ca_file)
        yield fake


def jobs_by_id(vault: Path) -> dict[str, dict]:
    status = run_cli("status", "--vault", vault, "--json")
    assert status.returncode == 0, status.stderr
    return {job["video_id"]: job for job in json.loads(status.stdout)}


def wait_until_completed(vault: Path, video_id: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        status = run_cli("status", "--vault", vault, "--json")  # fails until the run has made its store
        if status.returncode == 0 and {job["video_id"]: job["stage"] for job in json.loads(status.stdout)
                                       }.get(video_id) == "completed":
            return
        assert time.monotonic() < deadline, f"{video_id} never completed"
        time.sleep(0.2)


@pytest.mark.slow
def test_kill_9_mid_transcription_then_resume_redoes_nothing_else(tmp_path: Path, youtube: FakeYouTube,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUBENOTES_LLM_API_KEY", KEY)
    monkeypatch.delenv("TUBENOTES_MODEL")
    vault, audio = tmp_path / "vault", tmp_path / "vault" / ".tubenotes" / "audio"
    with Socks5Server(youtube.address) as socks, FakeLlmServer() as llm:
        run = ["run", SPOKEN, CAPTIONED, "--vault", vault, "--network", "proxies",
               f"--proxy={socks.proxy_url('node', 'pw')}", "--base-url", llm.base_url, "--model", "fake-model",
               "--no-pdf"]
        with Terminal(*run) as terminal:
            wait_until_completed(vault, CAPTIONED)
            terminal.wait_for(TRANSCRIBING)
            terminal.kill()

        killed = jobs_by_id(vault)
        # Killed mid-transcription: the video's fetch is committed, its transcription lost, its audio kept.
        assert killed[SPOKEN]["stage"] == "audio_fetched", "the kill came after the transcription: it proves less"
        assert killed[CAPTIONED]["stage"] == "completed"
        assert any(audio.iterdir())
        downloads, answers = youtube.requests_by_path["/videoplayback"], llm.calls

        resumed = run_cli("resume", "--vault", vault, "--quiet")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        jobs = jobs_by_id(vault)

    assert jobs[SPOKEN]["stage"] == "completed"
    assert jobs[SPOKEN]["attempts"] == {"fetch": 1, "transcribe": 1, "generate_notes": 1, "generate_assessment": 1}
    assert "transcript: whisper:tiny.en" in Path(jobs[SPOKEN]["notes_file"]).read_text()
    # Nothing else was done again: no download, no answer paid twice, the finished job as it was.
    assert youtube.requests_by_path["/videoplayback"] == downloads
    assert llm.calls > answers and max(llm.calls_by_prompt.values()) == 1
    assert jobs[CAPTIONED] == killed[CAPTIONED]
    assert audio.is_dir() and not any(audio.iterdir())


@pytest.mark.slow
def test_ctrl_c_mid_transcription_stops_it_and_resume_finishes_the_job(tmp_path: Path) -> None:
    recording = speak(SCRIPT, tmp_path / "lecture_on_heat.m4a")
    vault = tmp_path / "vault"
    with Terminal("run", recording, "--vault", vault, "--no-pdf") as terminal:
        terminal.wait_for(TRANSCRIBING)
        terminal.interrupt()
        assert terminal.wait() == 130, terminal.output
    assert "tubenotes resume" in terminal.output

    [job] = jobs_by_id(vault).values()
    # Stopped at once, not failed: the transcription is lost, the job waits at its last checkpoint.
    assert job["stage"] == "created" and job["error"] is None and "transcribe" not in job["timings"]

    resumed = run_cli("resume", "--vault", vault, "--quiet")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    [job] = jobs_by_id(vault).values()
    assert job["stage"] == "completed" and job["attempts"]["transcribe"] == 1
    assert "internal energy" in Path(job["notes_file"]).read_text().casefold()
