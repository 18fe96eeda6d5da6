"""A YouTube video with captions turned off: its audio through yt-dlp and the SOCKS proxy, then Whisper.

The fake YouTube offers the video's formats (an audio stream and a larger
video-only one) in its player response; yt-dlp picks and downloads the audio
through the test SOCKS5 server, as it would through an exit node.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LECTURE, trust
from tests.test_youtube_e2e import jobs_by_id, tubenotes
from tubenotes.config import Settings
from tubenotes.errors import TransientError, as_storage_error
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.stages import build_stages
from tubenotes.store import MemoryStore
from tubenotes.testing.fake_youtube import FakeAudio, FakeCaptionTrack, FakeVideo, FakeYouTube, VideoVariant
from tubenotes.testing.fake_youtube_pages import VIDEO_ONLY_ITAG
from tubenotes.sources.youtube_audio import download_audio
from tubenotes.testing.synthetic_speech import silence, speak

pytestmark = pytest.mark.slow  # yt-dlp downloads audio, Whisper transcribes it

SPOKEN, AUTO_CAPTIONED = "spokenonly1", "autocaption"
SILENT, CORRUPT = "silentaudio", "corruptaudi"  # captions off, and audio that cannot make a transcript


@pytest.fixture(scope="module")
def spoken_audio(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The lecture as YouTube serves audio: Opus in WebM."""
    return speak(" ".join(LECTURE), tmp_path_factory.mktemp("audio") / "lecture.webm").read_bytes()


@pytest.fixture(scope="module")
def silent_audio(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return silence(4, tmp_path_factory.mktemp("audio") / "silence.webm").read_bytes()


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch, spoken_audio: bytes, silent_audio: bytes) -> Iterator[FakeYouTube]:
    video = FakeVideo(SPOKEN, title="Heat and Work, Spoken", channel="Open Lecture Hall", duration=70,
                      chapters=[(0, "The first law"), (30, "Processes")], variant=VideoVariant.CAPTIONS_DISABLED,
                      audio=FakeAudio(spoken_audio))
    # Auto-generated captions only, in words the lecture never says: whichever way the notes came shows.
    asr = [(6.0 * i, 6.0, f"robot caption line {i} about quasars") for i in range(12)]
    auto_captioned = FakeVideo(AUTO_CAPTIONED, title="Auto Captioned", duration=70, audio=FakeAudio(spoken_audio),
                               captions=[FakeCaptionTrack("en", asr, generated=True)])
    unusable = [FakeVideo(video_id, title=f"Unusable {video_id}", duration=70, audio=FakeAudio(data),
                          variant=VideoVariant.CAPTIONS_DISABLED)
                for video_id, data in ((SILENT, silent_audio), (CORRUPT, b"not audio at all " * 400))]
    with FakeYouTube([video, auto_captioned, *unusable]) as fake:
        trust(monkeypatch, fake.ca_file)
        yield fake


def test_a_video_without_captions_is_transcribed_from_its_audio(tmp_path: Path, youtube, socks) -> None:
    vault = tmp_path / "vault"
    result = tubenotes(vault, "run", SPOKEN, "--network", "proxies", f"--proxy={socks.proxy_url('node', 'pw')}",
                       "--no-pdf", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr

    job = jobs_by_id(vault)[SPOKEN]
    assert job["stage"] == "completed"
    notes = Path(job["notes_file"]).read_text()
    assert "transcript: whisper:tiny.en" in notes and "channel: Open Lecture Hall" in notes
    # The video's chapters structure the notes, with times into the video.
    assert "&t=0s) The first law" in notes and "&t=30s) Processes" in notes
    assert "internal energy" in notes.casefold()
    assert youtube.requests_by_path["/videoplayback"] >= 1
    assert youtube.streams_requested[str(VIDEO_ONLY_ITAG)] == 0  # audio only
    audio_folder = vault / ".tubenotes" / "audio"
    assert audio_folder.is_dir() and not any(audio_folder.iterdir())  # removed once the transcript was stored


def test_the_fetch_stage_keeps_the_audio_and_the_transcribe_stage_holds_no_exit_node(tmp_path: Path, youtube,
                                                                                     socks) -> None:
    settings = Settings(vault=tmp_path / "vault", network="proxies", proxies=(socks.proxy_url("node", "pw"),),
                        pool_size=1, model="offline", pdf=False)
    job = VideoProcessingJob(url=f"https://youtu.be/{SPOKEN}", video_id=SPOKEN)
    with build_stages(settings, MemoryStore(settings.vault), lambda _: None) as stages:
        assert stages.next_stage(job) == "fetch"
        job = stages.run("fetch", job)
        # Fetched: the video's title and chapters, and its audio, kept in the vault for the next stage.
        assert job.stage is ProcessingStage.AUDIO_FETCHED and not job.has_transcript()
        assert job.video_title == "Heat and Work, Spoken" and [c.title for c in job.chapters] == ["The first law",
                                                                                                 "Processes"]
        assert job.audio_path is not None and job.audio_path.is_file()
        assert json.loads(job.to_json(settings.vault))["audio_path"] == f".tubenotes/audio/{job.audio_path.name}"
        assert stages.next_stage(job) == "transcribe"

        with stages.pool().lease(timeout=0):  # the only exit node is busy elsewhere: no matter
            job = stages.run("transcribe", job)
        assert job.has_transcript() and job.transcript_track == "whisper:tiny.en"
        assert job.video_title == "Heat and Work, Spoken"  # the video's, not the audio file's name
        assert job.attempts == {"fetch": 1, "transcribe": 1} and job.timings["transcribe"] > 0
        assert stages.next_stage(job) == "generate"

        audio = job.audio_path
        job = stages.run("generate", job)  # the transcript was committed before: its audio goes
        assert job.audio_path is None and not audio.exists()


def test_with_transcribe_never_it_fails_for_its_captions(tmp_path: Path, youtube, socks) -> None:
    vault = tmp_path / "vault"
    result = tubenotes(vault, "run", SPOKEN, "--network", "proxies", f"--proxy={socks.proxy_url('node', 'pw')}",
                       "--transcribe", "never", "--no-pdf", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    job = jobs_by_id(vault)[SPOKEN]
    assert job["error_kind"] == "transcripts_disabled" and "caption" in job["error"]
    assert youtube.requests_by_path["/videoplayback"] == 0


def test_transcribe_always_prefers_whisper_over_auto_generated_captions(tmp_path: Path, youtube, socks) -> None:
    vault = tmp_path / "vault"
    result = tubenotes(vault, "run", AUTO_CAPTIONED, "--network", "proxies", f"--proxy={socks.proxy_url('n', 'pw')}",
                       "--transcribe", "always", "--no-pdf", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    notes = Path(jobs_by_id(vault)[AUTO_CAPTIONED]["notes_file"]).read_text()
    assert "transcript: whisper:tiny.en" in notes and "quasars" not in notes
    assert "internal energy" in notes.casefold()


def test_audio_is_removed_when_its_job_fails_for_good(tmp_path: Path, youtube, socks) -> None:
    vault = tmp_path / "vault"
    result = tubenotes(vault, "run", SILENT, CORRUPT, "--network", "proxies",
                       f"--proxy={socks.proxy_url('node', 'pw')}", "--no-pdf", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr

    jobs = jobs_by_id(vault)
    assert jobs[SILENT]["error_kind"] == "no_speech" and jobs[CORRUPT]["error_kind"] == "media"
    assert youtube.requests_by_path["/videoplayback"] >= 2  # both audio streams were downloaded
    audio_folder = vault / ".tubenotes" / "audio"
    assert audio_folder.is_dir() and not any(audio_folder.iterdir())  # no retry will want them



def test_a_tls_failure_downloading_audio_fails_the_job_as_a_network_error_and_the_batch_goes_on(
        tmp_path: Path, youtube: FakeYouTube, socks) -> None:
    youtube.broken_tls_paths.add("/videoplayback")
    vault = tmp_path / "vault"
    result = tubenotes(vault, "run", SPOKEN, "--network", "proxies", f"--proxy={socks.proxy_url('node', 'pw')}",
                       "--max-attempts", "1", "--no-pdf", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "cannot write to the vault" not in result.stdout + result.stderr
    job = jobs_by_id(vault)[SPOKEN]
    assert job["stage"] == "failed" and job["error_kind"] in ("transient", "attempts_exhausted"), job
    assert "SSL" in job["error"] and "vault" not in job["error"]


def test_a_tls_failure_is_the_downloads_error_never_a_storage_stop(tmp_path: Path, youtube: FakeYouTube,
                                                                  socks) -> None:
    """yt-dlp keeps the TLS error in its error's chain: an OSError with errno 1, which is also EPERM."""
    with FakeYouTube() as stranger:  # its CA is the only one trusted: YouTube's certificate fails to verify
        monkeypatch = pytest.MonkeyPatch()
        with monkeypatch.context() as env:
            trust(env, stranger.ca_file)
            with pytest.raises(TransientError) as caught:
                download_audio(SPOKEN, tmp_path / "audio", socks.proxy_url("node", "pw"), timeout=10)
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    assert as_storage_error(caught.value) is None


def test_a_captionless_video_whose_audio_is_blocked_says_first_that_its_captions_are_off(
        tmp_path: Path, youtube: FakeYouTube, socks) -> None:
    youtube.failing_paths["/videoplayback"] = 403
    vault = tmp_path / "vault"
    result = tubenotes(vault, "run", SPOKEN, "--network", "proxies", f"--proxy={socks.proxy_url('node', 'pw')}",
                       "--max-attempts", "2", "--no-pdf", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    job = jobs_by_id(vault)[SPOKEN]
    assert job["error"].startswith(f"Video {SPOKEN} has captions turned off"), job["error"]
    assert "Its audio could not be downloaded to transcribe either: every attempt was blocked" in job["error"]
    assert job["error_kind"] == "all_nodes_blocked"  # the audio's: `run` tries it again
