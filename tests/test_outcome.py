"""`run_step`, the one place where a stage's outcome becomes the job's record, and its callers."""

from __future__ import annotations

import errno
import logging
from pathlib import Path

import pytest

from tubenotes.errors import (
    PermanentError,
    StageInterrupted,
    StorageError,
    StoreUnreachable,
    TransientError,
)
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.outcome import Outcome, run_step
from tubenotes.store import MemoryStore


def fetched(name: str, job: VideoProcessingJob) -> VideoProcessingJob:
    job.transcript, job.video_title = "words " * 50, "A title"
    job.set_stage(ProcessingStage.TRANSCRIPT_FETCHED)
    return job


def raising(error: BaseException):
    def stage(name: str, job: VideoProcessingJob) -> VideoProcessingJob:
        job.set_stage(ProcessingStage.FETCHING_TRANSCRIPT)
        raise error

    return stage


def full_disk() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device", "/vault/Physics/Note.md")


@pytest.mark.parametrize(("stage", "outcome", "stored_stage", "kind"), [
    (fetched, Outcome.DONE, ProcessingStage.TRANSCRIPT_FETCHED, None),
    (raising(PermanentError("captions are turned off")), Outcome.FAILED, ProcessingStage.FAILED, "permanent"),
    (raising(TransientError("HTTP 503")), Outcome.FAILED, ProcessingStage.FAILED, "transient"),
    (raising(ZeroDivisionError("oops")), Outcome.BUG, ProcessingStage.FAILED, "internal"),
    (raising(StageInterrupted("stopped")), Outcome.INTERRUPTED, None, None),
    (raising(full_disk()), Outcome.STORAGE_STOP, None, None),
    (raising(StorageError("read-only")), Outcome.STORAGE_STOP, None, None),
    (raising(StoreUnreachable("the server went away")), Outcome.RETRY, None, None),
])
def test_each_outcome_is_recorded_once_and_only_a_jobs_own_failure_fails_it(
        stage, outcome: Outcome, stored_stage: ProcessingStage | None, kind: str | None) -> None:
    store = MemoryStore()
    job = VideoProcessingJob(url="u", video_id="abcdefghijk")
    result = run_step("fetch", job, stage, store)
    assert result.outcome is outcome
    saved = store.load(job.key)
    assert (saved.stage if saved else None) is stored_stage
    assert result.saved is (stored_stage is not None)
    if kind is not None:
        assert saved is not None and saved.error_kind == kind
    if outcome in (Outcome.STORAGE_STOP, Outcome.RETRY):
        assert isinstance(result.error, StorageError if outcome is Outcome.STORAGE_STOP else StoreUnreachable)


def test_a_bug_is_logged_with_its_traceback_and_named_on_the_job(caplog: pytest.LogCaptureFixture,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # import-linter's logging configuration, run by another test, disables the loggers that exist by then.
    monkeypatch.setattr(logging.getLogger("tubenotes.outcome"), "disabled", False)
    job = VideoProcessingJob(url="u", video_id="abcdefghijk")
    with caplog.at_level(logging.ERROR):
        result = run_step("generate", job, raising(KeyError("model")))
    assert result.job.error_message == "internal error in generate: KeyError: 'model'"
    assert "Traceback" in caplog.text and "KeyError" in caplog.text


def test_a_store_that_cannot_record_the_outcome_stops_for_storage_or_retries() -> None:
    class Full(MemoryStore):
        def save(self, job: VideoProcessingJob) -> None:
            raise full_disk()

    class Gone(MemoryStore):
        def save(self, job: VideoProcessingJob) -> None:
            raise StoreUnreachable("connection lost")

    job = VideoProcessingJob(url="u", video_id="abcdefghijk")
    assert run_step("fetch", job, fetched, Full()).outcome is Outcome.STORAGE_STOP
    assert run_step("fetch", job, fetched, Gone()).outcome is Outcome.RETRY


def test_process_video_pipeline_raises_a_full_disk_instead_of_failing_the_job(tmp_path: Path) -> None:
    from tubenotes.generate.offline import OfflineGenerator
    from tubenotes.inputs import jobs_from_inputs
    from tubenotes.pipeline import Components, process_video_pipeline
    from tubenotes.vault.writer import VaultWriter

    transcript = tmp_path / "lecture.txt"
    transcript.write_text("Energy is conserved in a closed system, and work changes it. " * 30)
    [job] = jobs_from_inputs([str(transcript)], "Physics")

    class FullVault(VaultWriter):
        def write_job(self, *args, **kwargs):
            raise full_disk()

    generator = OfflineGenerator()
    components = Components(generator, generator, FullVault(tmp_path / "vault"))
    with pytest.raises(StorageError, match="cannot write to the vault"):
        process_video_pipeline(job, None, components)
    assert job.stage is not ProcessingStage.FAILED and job.has_notes()  # resumable at the write


def test_only_the_file_systems_refusals_are_storage_stops() -> None:
    from tubenotes.errors import as_storage_error

    assert as_storage_error(PermissionError(errno.EACCES, "Permission denied", "/vault/Physics/Note.md"))
    assert as_storage_error(OSError(errno.EROFS, "Read-only file system"))
    assert as_storage_error(full_disk())
    assert as_storage_error(OSError(errno.EPERM, "Operation not permitted")) is None  # no path: not the vault's
    assert as_storage_error(ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")) is None
