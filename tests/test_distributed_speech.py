"""Transcription on a Celery queue of its own: a worker on `transcribe` alone, another on the other queues.

Real worker processes on the real Redis and PostgreSQL (see `tests.test_distributed`),
the real faster-whisper, speech from espeak-ng: a caption-less video goes
fetch -> transcribe -> generate -> write, a recording transcribe -> generate -> write.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import LECTURE, trust
from tests.test_distributed import Cluster, cluster  # noqa: F401 (the fixture, on this module's youtube)
from tubenotes.config import Settings
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.testing.fake_youtube import FakeAudio, FakeVideo, FakeYouTube, VideoVariant
from tubenotes.testing.synthetic_speech import speak

pytestmark = pytest.mark.timeout(600)

SPOKEN = "spokenonly1"
SCRIPT = " ".join(LECTURE)


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeYouTube]:
    audio = speak(SCRIPT, tmp_path / "lecture.webm").read_bytes()
    video = FakeVideo(SPOKEN, title="Heat and Work, Spoken", duration=70, variant=VideoVariant.CAPTIONS_DISABLED,
                      audio=FakeAudio(audio))
    with FakeYouTube([video]) as fake:
        trust(monkeypatch, fake.ca_file)
        yield fake


def ran_by(job: VideoProcessingJob) -> dict[str, str]:
    return {stage: worker.split("@")[0] for stage, worker in job.workers.items()}


@pytest.mark.slow
def test_a_worker_on_the_transcribe_queue_alone_transcribes_for_the_others(cluster: Cluster) -> None:
    recording = speak(SCRIPT, cluster.tmp / "lecture_on_heat.m4a")
    cluster.worker("transcriber", "transcribe")
    cluster.worker("others", "fetch,generate,write,export", "--concurrency", "2")
    coordinator = cluster.coordinator("run", f"https://youtu.be/{SPOKEN}", str(recording))
    assert cluster.finish(coordinator) == 0, cluster.logs()

    jobs = {job.video_id: job for job in cluster.jobs()}
    video = jobs.pop(SPOKEN)
    [lecture] = jobs.values()
    assert video.stage is lecture.stage is ProcessingStage.COMPLETED
    assert ran_by(video) == {"fetch": "others", "transcribe": "transcriber", "generate": "others", "write": "others"}
    assert ran_by(lecture) == {"transcribe": "transcriber", "generate": "others", "write": "others"}
    for job in (video, lecture):
        assert job.transcript_track == "whisper:tiny.en" and "internal energy" in (job.transcript or "").casefold()
    assert video.video_title == "Heat and Work, Spoken" and video.audio_path is None
    audio = cluster.vault / ".tubenotes" / "audio"
    assert audio.is_dir() and not any(audio.iterdir())  # downloaded by one worker, removed once transcribed


def test_every_worker_takes_the_transcribe_queue_unless_told_and_one_task_per_core() -> None:
    from tubenotes.cli import cli
    from tubenotes.distributed.worker import default_concurrency, parse_queues

    queues = next(option for option in cli.commands["worker"].params if option.name == "queues")
    assert "transcribe" in parse_queues(str(queues.default))
    assert parse_queues("transcribe") == ["transcribe"]
    for device, at_once in (("cpu", os.cpu_count()), ("cuda", 1)):
        settings = Settings(whisper_device=device, pool_size=1, llm_concurrency=1)
        assert default_concurrency(["transcribe"], settings) == at_once
