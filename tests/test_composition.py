"""The one composition: `process_video_pipeline`, the library API and the CLI run the same stages."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CountingExporter, trust
from tests.test_youtube_e2e import lecture_video
from tubenotes import make_notes
from tubenotes.config import Settings
from tubenotes.errors import TubenotesError
from tubenotes.job import ProcessingStage, SourceKind, VideoProcessingJob
from tubenotes.network import AllNodesBlockedError, AttemptsExhaustedError, PoolExhaustedError
from tubenotes.pipeline import next_stage, process_video_pipeline
from tubenotes.sources import youtube_errors
from tubenotes.stages import Backends, build_stages
from tubenotes.store import MemoryStore
from tubenotes.testing.fake_youtube import FakeYouTube

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYouTube]:
    with FakeYouTube([lecture_video("thermo00001", "Thermodynamics 1")]) as fake:
        trust(monkeypatch, fake.ca_file)
        yield fake


@pytest.mark.slow
def test_process_video_pipeline_runs_the_real_stages_through_a_blocked_exit(tmp_path: Path, youtube, socks) -> None:
    youtube.blocked_ips.add(socks.exit_ip_for("node-a"))
    proxies = tuple(socks.proxy_url(user, "pw-secret") for user in ("node-a", "node-b"))
    settings = Settings(vault=tmp_path / "vault", network="proxies", proxies=proxies, pool_size=2, model="offline")
    job = VideoProcessingJob(url="https://youtu.be/thermo00001", video_id="thermo00001", subject="Physics")
    with build_stages(settings, MemoryStore(settings.vault), lambda _: None) as stages:
        pool = stages.pool()
        job = process_video_pipeline(job, pool, stages.components())
        blocks = sum(node["blocks"] for node in pool.stats())
    assert job.stage is ProcessingStage.COMPLETED, job.error_message
    assert blocks >= 1, "the blocked exit was never tried: the test proves no rotation"
    assert job.notes_filepath == settings.vault / "Physics" / "Thermodynamics 1.md"
    assert job.notes_filepath.read_text().startswith("---\n")
    assert job.assessment_filepath is not None and job.assessment_filepath.exists()
    assert job.notes_pdf_path is not None and job.notes_pdf_path.read_bytes().startswith(b"%PDF")
    assert job.assessment_pdf_path is not None and job.assessment_pdf_path.exists()

    job.notes_filepath.write_text("my own words")  # the user-edit guard holds here too
    job.notes_filepath = job.assessment_filepath = job.notes_pdf_path = job.assessment_pdf_path = None
    job.stage = job.done_stage()
    with build_stages(settings, MemoryStore(settings.vault), lambda _: None) as stages:
        job = process_video_pipeline(job, None, stages.components())
    assert job.stage is ProcessingStage.COMPLETED, job.error_message
    assert (settings.vault / "Physics" / "Thermodynamics 1.md").read_text() == "my own words"
    assert (settings.vault / "Physics" / "Thermodynamics 1 (new).md").exists()
    assert any("Thermodynamics 1 (new).md" in warning for warning in job.warnings)


def test_speech_is_a_stage_of_its_own_with_a_limit_of_its_own(tmp_path: Path) -> None:
    def local(name: str) -> VideoProcessingJob:
        return VideoProcessingJob(url=f"file://{tmp_path / name}", video_id=f"file-{name}", source=SourceKind.FILE,
                                  source_path=tmp_path / name)

    video = VideoProcessingJob(url="https://youtu.be/abcdefghijk", video_id="abcdefghijk")
    assert [next_stage(job) for job in (local("lecture.mp4"), local("lecture.vtt"), video)] == [
        "transcribe", "fetch", "fetch"]
    video.audio_path = tmp_path / ".tubenotes" / "audio" / "abcdefghijk.webm"  # no captions: its audio was kept
    assert next_stage(video) == "transcribe"

    for device, at_once in (("cpu", os.cpu_count()), ("cuda", 1)):
        settings = Settings(vault=tmp_path / "vault", whisper_device=device, pool_size=7)
        with build_stages(settings, MemoryStore(settings.vault), lambda _: None) as stages:
            limits = stages.limits()
        assert list(limits) == ["fetch", "transcribe", "slides", "generate", "write", "export"]
        assert limits["transcribe"] == at_once and limits["fetch"] == 7


def test_audio_removed_before_its_transcription_is_downloaded_again_not_failed(tmp_path: Path) -> None:
    settings = Settings(vault=tmp_path / "vault", model="offline")
    video = VideoProcessingJob(url="https://youtu.be/abcdefghijk", video_id="abcdefghijk", video_title="Heat",
                               audio_path=settings.vault / ".tubenotes" / "audio" / "abcdefghijk.webm",
                               stage=ProcessingStage.AUDIO_FETCHED)
    with build_stages(settings, MemoryStore(settings.vault), lambda _: None) as stages:
        assert stages.next_stage(video) == "transcribe"
        video = stages.run("transcribe", video)
        assert video.stage is not ProcessingStage.FAILED and video.audio_path is None
        assert stages.next_stage(video) == "fetch"


def test_the_library_api_makes_a_vault_as_the_cli_does(tmp_path: Path) -> None:
    result = make_notes([EXAMPLES / "Biology"], tmp_path / "notes", model="offline", pdf=False)
    assert [job.stage for job in result.jobs] == [ProcessingStage.COMPLETED]
    assert (tmp_path / "notes" / "Biology" / "Cellular Respiration.md").exists()
    again = make_notes([EXAMPLES / "Biology"], tmp_path / "notes", model="offline", pdf=False)
    assert again.jobs[0].timings == result.jobs[0].timings, "a second run must resume, not redo"


def _error_classes() -> list[type[TubenotesError]]:
    found: list[type[TubenotesError]] = []
    pending = [TubenotesError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending += cls.__subclasses__()
    return found


@pytest.mark.parametrize("cls", [youtube_errors.PlaylistUnavailableError, AllNodesBlockedError,
                                 AttemptsExhaustedError, PoolExhaustedError, *_error_classes()],
                         ids=lambda cls: cls.__name__)
def test_every_error_round_trips_through_pickle_and_json(cls: type[TubenotesError]) -> None:
    error = cls.__new__(cls)
    Exception.__init__(error, "something went wrong; do this")
    if cls in (AllNodesBlockedError, AttemptsExhaustedError):
        error = cls("every attempt was blocked", attempts=4, nodes=2)
    for copy in (pickle.loads(pickle.dumps(error)), TubenotesError.from_dict(error.to_dict())):
        assert type(copy) is cls
        assert (str(copy), copy.kind, copy.retryable) == (str(error), error.kind, error.retryable)
        assert copy.__dict__ == error.__dict__


def test_an_error_from_data_never_imports_beyond_tubenotes() -> None:
    error = TubenotesError.from_dict({"type": "os.system", "kind": "transient", "message": "m", "retryable": True})
    assert (type(error).__name__, error.kind, error.retryable) == ("JobError", "transient", True)


def test_the_pdf_exporter_is_built_by_the_export_stage_not_before_the_first_stage(tmp_path: Path) -> None:
    built: list[CountingExporter] = []

    def exporter() -> CountingExporter:
        built.append(CountingExporter())
        return built[-1]

    transcript = tmp_path / "lecture.txt"
    transcript.write_text(" ".join(["Entropy measures how many states a system can be in."] * 20))
    settings = Settings(vault=tmp_path / "vault", model="offline")
    job = VideoProcessingJob(url=str(transcript), video_id="lecture", subject="Physics", source=SourceKind.FILE,
                             source_path=transcript)
    with build_stages(settings, MemoryStore(settings.vault), lambda _: None,
                      backends=Backends(pdf_exporter=exporter)) as stages:
        stages.prepare([job])
        job = stages.run("fetch", job)
        assert built == [], "the first stage waited for Typst, pandoc's wrapper and the font scan"
        while (stage := stages.next_stage(job)) is not None:
            job = stages.run(stage, job)
    assert job.stage is ProcessingStage.COMPLETED, job.error_message
    assert len(built) == 1 and built[0].calls == [job.notes_filepath.name, job.assessment_filepath.name]


def test_prepare_jobs_gives_keys_and_saves_first_what_it_changes(tmp_path: Path) -> None:
    """The runner loads each job from the store as it hands it out: a job `prepare_jobs` changes (a moved
    transcript, a retryable failure, a job that waited for a batch this run will not wait for) must be
    saved as changed, or the run would take it as it was."""
    from tubenotes.api import prepare_jobs
    from tubenotes.executors.base import StoredJobs

    folder = tmp_path / "lectures"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.en.srt").write_text(f"1\n00:00:00,000 --> 00:00:02,000\nHeat flows ({name}).\n")
    settings = Settings(vault=tmp_path / "vault", model="offline", pdf=False, subject="Physics")
    store = MemoryStore(settings.vault)
    with build_stages(settings, store, lambda _: None) as stages:
        first = prepare_jobs(stages, [str(folder), "not a thing at all"])
        assert isinstance(first, StoredJobs) and len(first) == 4
        a, b, c = (store.load(key) for key in first.keys[:3])
        assert a is not None and b is not None and c is not None
        a.mark_failed("the network went away", "network", True)
        b.stage = ProcessingStage.WAITING_FOR_BATCH
        store.save_many([a, b])
        moved = tmp_path / "moved"
        folder.rename(moved)
        again = prepare_jobs(stages, [str(moved)])
    assert again.keys == first.keys[:3] and not again.unstored
    a, b, c = (store.load(key) for key in again.keys)
    assert a.stage is ProcessingStage.CREATED and a.error_message is None
    assert b.stage is ProcessingStage.CREATED
    assert c.source_path is not None and c.source_path.parent == moved.resolve()
    assert [job.video_id for job in again] == [job.video_id for job in (a, b, c)]
    assert first.unstored[first.keys[3]].stage is ProcessingStage.FAILED


def test_resume_and_retry_take_the_store_s_jobs_as_keys_saved_as_they_will_run(tmp_path: Path) -> None:
    """`resume` and `retry` list the store a page at a time and hand the runner keys; a failed job reset
    for `retry`, and a job woken from a batch a run without --batch will not wait for, are saved first."""
    from tubenotes.api import continue_jobs

    store = MemoryStore(tmp_path)
    jobs = [VideoProcessingJob(url=f"u{n}", video_id=f"v{n}", subject="Physics", position=n) for n in range(4)]
    jobs[0].mark_failed("the network went away", "network", True)
    jobs[2].stage = ProcessingStage.WAITING_FOR_BATCH
    jobs[3].stage = ProcessingStage.COMPLETED
    store.save_many(jobs)
    resumed = continue_jobs(store, retry_failed=False, batch=True)
    assert [key.split("/")[1] for key in resumed.keys] == ["v1", "v2"]
    assert store.load(jobs[2].key).stage is ProcessingStage.WAITING_FOR_BATCH  # --batch waits for it
    retried = continue_jobs(store, retry_failed=True, batch=False)
    assert [job.video_id for job in retried] == ["v0", "v1", "v2"]
    assert all(job.stage is ProcessingStage.CREATED and job.error_message is None for job in retried)
    assert set(retried.before) == set(retried.keys)
