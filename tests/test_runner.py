"""The local executor: no barrier between stages, limits per stage, failures stay in their job."""

from __future__ import annotations

import errno
import gc
import threading
import weakref
from pathlib import Path

from rich.console import Console

from tubenotes.errors import PermanentError, StageInterrupted
from tubenotes.executors import EXIT_FAILED, EXIT_OK, LocalExecutor, RunResult
from tubenotes.executors import base as executors_base
from tubenotes.executors.base import StoredJobs
from tubenotes.executors.local import IN_FLIGHT_PER_WORKER
from tubenotes.job import Chapter, ProcessingStage, TranscriptSegment, VideoProcessingJob
from tubenotes.pipeline import Routing, next_stage, settle
from tubenotes.progress import LogReporter
from tubenotes.store import SqliteStore


def make_jobs(n: int) -> list[VideoProcessingJob]:
    return [VideoProcessingJob(url=f"u{i}", video_id=f"video{i:06d}", position=i) for i in range(n)]


def fake_steps(tmp_path: Path, **overrides) -> dict:
    def fetch(job):
        job.transcript, job.video_title = "words " * 50, f"Title {job.video_id}"
        return job

    def generate(job):
        job.study_notes, job.assessment_content = "notes", "quiz"
        return job

    def write(job):
        job.notes_filepath = tmp_path / f"{job.video_id}.md"
        job.assessment_filepath = tmp_path / f"A_{job.video_id}.md"
        job.notes_filepath.write_text("n")
        job.assessment_filepath.write_text("a")
        return job

    steps = {"fetch": fetch, "generate": generate, "write": write}
    steps.update(overrides)
    return steps


class FakeStages:
    """Stage functions by name, with the pipeline's own routing (no export stage unless given one)."""

    def __init__(self, steps: dict, workers: dict | None = None) -> None:
        self.steps, self.workers = steps, workers or {}
        self.routing = Routing(export="export" in steps)

    def run(self, name, job):
        job = self.steps[name](job)
        settle(job, self.routing)
        return job

    def next_stage(self, job):
        return next_stage(job, self.routing)

    def settle(self, job):
        return settle(job, self.routing)

    def limits(self):
        return {name: self.workers.get(name, 2) for name in self.steps}

    def interrupt(self):
        pass  # no stage here runs long without a checkpoint


class Runner:
    def __init__(self, store, stages: FakeStages, tmp_path: Path) -> None:
        self.store, self.stages = store, stages
        self.reporter = LogReporter(Console(file=open(tmp_path / "log.txt", "w")))

    def run(self, jobs) -> RunResult:
        return LocalExecutor(self.store).run(jobs, self.stages, self.reporter)


def runner(tmp_path: Path, steps: dict, workers: dict | None = None) -> Runner:
    return Runner(SqliteStore(tmp_path / "vault"), FakeStages(steps, workers), tmp_path)


def test_jobs_stream_without_a_barrier_between_stages(tmp_path: Path) -> None:
    first_written = threading.Event()
    base = fake_steps(tmp_path)

    def fetch(job):
        # The last job's fetch waits until the first job has been written:
        # with a barrier after fetching, this would never happen.
        if job.video_id == "video000001":
            assert first_written.wait(10), "job 0 was not written while job 1 was still fetching"
        return base["fetch"](job)

    def write(job):
        job = base["write"](job)
        if job.video_id == "video000000":
            first_written.set()
        return job

    result = runner(tmp_path, fake_steps(tmp_path, fetch=fetch, write=write)).run(make_jobs(2))
    assert result.exit_code == EXIT_OK
    assert all(job.stage is ProcessingStage.COMPLETED for job in result.jobs)


def test_each_stage_respects_its_concurrency_limit(tmp_path: Path) -> None:
    lock = threading.Lock()
    now = {"fetch": 0, "write": 0}
    peak = {"fetch": 0, "write": 0}
    base = fake_steps(tmp_path)

    def limited(name):
        def run(job):
            with lock:
                now[name] += 1
                peak[name] = max(peak[name], now[name])
            threading.Event().wait(0.01)
            job = base[name](job)
            with lock:
                now[name] -= 1
            return job
        return run

    steps = fake_steps(tmp_path, fetch=limited("fetch"), write=limited("write"))
    result = runner(tmp_path, steps, workers={"fetch": 3, "write": 1}).run(make_jobs(12))
    assert result.exit_code == EXIT_OK
    assert peak == {"fetch": 3, "write": 1}


def test_one_failing_job_does_not_stop_the_batch_and_a_bug_is_reported(tmp_path: Path) -> None:
    base = fake_steps(tmp_path)

    def fetch(job):
        if job.video_id == "video000001":
            raise PermanentError("captions are disabled")
        if job.video_id == "video000002":
            raise ZeroDivisionError("oops")
        return base["fetch"](job)

    r = runner(tmp_path, fake_steps(tmp_path, fetch=fetch))
    result = r.run(make_jobs(4))
    assert result.exit_code == EXIT_FAILED
    by_id = {job.video_id: job for job in result.jobs}
    assert by_id["video000001"].error_kind == "permanent"
    assert by_id["video000002"].error_kind == "internal" and "ZeroDivisionError" in by_id["video000002"].error_message
    assert by_id["video000000"].stage is by_id["video000003"].stage is ProcessingStage.COMPLETED
    stored = {job.video_id: job.stage for job in r.store.jobs()}
    assert stored["video000001"] is ProcessingStage.FAILED and stored["video000003"] is ProcessingStage.COMPLETED


def test_finished_jobs_pass_through_without_work(tmp_path: Path) -> None:
    calls = []
    base = fake_steps(tmp_path)

    def fetch(job):
        calls.append(job.video_id)
        return base["fetch"](job)

    r = runner(tmp_path, fake_steps(tmp_path, fetch=fetch))
    jobs = r.run(make_jobs(3)).jobs
    again = runner(tmp_path, fake_steps(tmp_path, fetch=fetch)).run(jobs)
    assert again.exit_code == EXIT_OK and len(calls) == 3


def test_a_store_that_fails_loses_that_checkpoint_but_never_hangs_the_batch(tmp_path: Path) -> None:
    class FlakyStore(SqliteStore):
        failures = 1

        def save(self, job):
            if job.video_id == "video000001" and job.has_transcript() and self.failures:
                self.failures -= 1
                raise OSError("disk full")
            super().save(job)

    store = FlakyStore(tmp_path / "vault")
    finished = threading.Event()
    outcome = {}

    def run():
        outcome["result"] = Runner(store, FakeStages(fake_steps(tmp_path)), tmp_path).run(make_jobs(3))
        finished.set()

    threading.Thread(target=run, daemon=True).start()
    assert finished.wait(20), "the batch hung after a failed save"
    stages = {job.video_id: job.stage for job in store.jobs()}
    assert stages["video000000"] is stages["video000002"] is ProcessingStage.COMPLETED
    assert stages.get("video000001") is not ProcessingStage.COMPLETED  # resumable from its last checkpoint


def test_a_stage_interrupted_by_ctrl_c_fails_no_job_and_keeps_its_checkpoint(tmp_path: Path) -> None:
    def write(job):
        if job.video_id == "video000001":
            raise StageInterrupted("pandoc was stopped by Ctrl-C")
        return fake_steps(tmp_path)["write"](job)

    r = runner(tmp_path, fake_steps(tmp_path, write=write))
    result = r.run(make_jobs(3))
    assert not result.failed
    stored = {job.video_id: job for job in r.store.jobs()}
    assert stored["video000001"].stage is not ProcessingStage.FAILED
    assert stored["video000001"].done_stage() is ProcessingStage.ASSESSMENT_GENERATED  # resumes at the write
    assert stored["video000000"].stage is stored["video000002"].stage is ProcessingStage.COMPLETED


def test_jobs_are_handed_out_as_others_finish_never_all_at_once(tmp_path: Path) -> None:
    lock = threading.Lock()
    in_flight = {"now": 0, "peak": 0}
    base = fake_steps(tmp_path)

    def fetch(job):
        with lock:
            in_flight["now"] += 1
            in_flight["peak"] = max(in_flight["peak"], in_flight["now"])
        return base["fetch"](job)

    def write(job):  # the slowest stage: fetched transcripts would pile up before it
        threading.Event().wait(0.002)
        job = base["write"](job)
        with lock:
            in_flight["now"] -= 1
        return job

    workers = {"fetch": 2, "generate": 1, "write": 1}
    result = runner(tmp_path, fake_steps(tmp_path, fetch=fetch, write=write), workers).run(make_jobs(150))
    assert result.exit_code == EXIT_OK and len(result.completed) == 150
    assert in_flight["peak"] <= IN_FLIGHT_PER_WORKER * sum(workers.values()) < 150


def test_a_finished_job_keeps_what_the_summary_shows_and_no_documents(tmp_path: Path) -> None:
    base = fake_steps(tmp_path)

    def fetch(job):
        job = base["fetch"](job)
        job.segments, job.chapters = [TranscriptSegment(0, 1, "words")], [Chapter(0, "Start")]
        job.transcript_track, job.language, job.source_path = "file:srt", "en", tmp_path / f"{job.video_id}.srt"
        return job

    r = runner(tmp_path, fake_steps(tmp_path, fetch=fetch))
    result = r.run(make_jobs(2))
    for job in result.jobs:
        assert job.stage is ProcessingStage.COMPLETED and job.video_title == f"Title {job.video_id}"
        assert job.transcript is job.study_notes is job.assessment_content is None and job.segments == []
        assert job.chapters == [] and job.transcript_track is job.language is job.source_path is None
        stored = r.store.load(job.key)
        assert job.get_summary() == stored.get_summary()  # the table, the summary and --json lose nothing
        assert stored.transcript == "words " * 50 and stored.study_notes == "notes"  # the store has the rest
        assert stored.chapters == [Chapter(0, "Start")] and stored.transcript_track == "file:srt"


def test_only_the_jobs_in_flight_hold_their_documents(tmp_path: Path) -> None:
    """Looked at from the store, at every save: of a batch of 300, only the few handed out hold a
    transcript; the finished ones keep their record, the others wait to be handed out."""
    jobs = make_jobs(300)
    holding: list[int] = []

    class Watching(SqliteStore):
        def save(self, job: VideoProcessingJob) -> None:
            holding.append(sum(known.transcript is not None for known in jobs))
            super().save(job)

    workers = {"fetch": 2, "generate": 1, "write": 1}
    stages = FakeStages(fake_steps(tmp_path), workers)
    result = Runner(Watching(tmp_path / "vault"), stages, tmp_path).run(jobs)
    assert len(result.completed) == 300 and len(holding) >= 900
    assert max(holding) <= IN_FLIGHT_PER_WORKER * sum(workers.values())
    assert not any(job.transcript or job.study_notes for job in result.jobs)


def test_a_full_disk_stops_handing_out_jobs_and_keeps_the_rest_for_resume(tmp_path: Path) -> None:
    base = fake_steps(tmp_path)
    fetched = []

    def write(job):
        raise OSError(errno.ENOSPC, "No space left on device")

    def fetch(job):
        fetched.append(job.video_id)
        return base["fetch"](job)

    r = runner(tmp_path, fake_steps(tmp_path, fetch=fetch, write=write), {"fetch": 1, "generate": 1, "write": 1})
    result = r.run(make_jobs(100))
    assert result.stopped_by is not None and "space" in str(result.stopped_by).lower()
    assert len(fetched) <= IN_FLIGHT_PER_WORKER * 3 + 1
    stored = r.store.jobs()
    assert len(stored) == 100 and not any(job.is_finished() for job in stored)
    assert sum(job.has_notes() for job in stored) >= 1  # kept at their checkpoints, resumable


def test_a_system_exit_in_a_stage_thread_stops_the_batch_and_never_hangs_it(tmp_path: Path) -> None:
    """A library that raises SystemExit where nobody reads it (rich did, on a broken pipe) lost its job's
    count, and the runner waited for it for ever."""

    def generate(job):
        if job.video_id == "video000001":
            raise SystemExit(1)
        return fake_steps(tmp_path)["generate"](job)

    store = SqliteStore(tmp_path / "vault")
    finished = threading.Event()
    outcome = {}

    def run():
        outcome["result"] = Runner(store, FakeStages(fake_steps(tmp_path, generate=generate)), tmp_path).run(
            make_jobs(3))
        finished.set()

    threading.Thread(target=run, daemon=True).start()
    assert finished.wait(20), "the batch hung after a SystemExit in a stage's thread"
    stored = {job.video_id: job for job in store.jobs()}
    assert stored["video000001"].done_stage() is ProcessingStage.TRANSCRIPT_FETCHED  # resumes at generate


def test_a_batch_waits_as_keys_and_keeps_only_the_jobs_that_did_not_complete(tmp_path: Path, monkeypatch) -> None:
    """Counted at every save: of a batch of 300 handed over as keys, only the jobs in flight are alive
    (each loaded as it is handed out); past `KEPT` jobs the result keeps the failed one, and counts all."""
    monkeypatch.setattr(executors_base, "KEPT", 50)
    loaded: list[weakref.ref[VideoProcessingJob]] = []
    alive: list[int] = []

    class Watching(SqliteStore):
        def load(self, key: str) -> VideoProcessingJob | None:
            job = super().load(key)
            if job is not None:
                loaded.append(weakref.ref(job))
            return job

        def save(self, job: VideoProcessingJob) -> None:
            alive.append(sum(ref() is not None for ref in loaded))
            super().save(job)

    def generate(job):
        if job.video_id == "video000007":
            raise PermanentError("no notes in it")
        job.study_notes, job.assessment_content = "notes", "quiz"
        return job

    store = Watching(tmp_path / "vault")
    jobs = make_jobs(300)
    store.save_many(jobs)
    keys = [job.key for job in jobs]
    del jobs
    workers = {"fetch": 2, "generate": 1, "write": 1}
    result = Runner(store, FakeStages(fake_steps(tmp_path, generate=generate), workers), tmp_path).run(
        StoredJobs(store, keys))
    assert len(loaded) == 300 and len(alive) >= 800
    # In flight, the one the feeder loaded and waits to hand out, and the failed one the result keeps.
    assert max(alive) <= IN_FLIGHT_PER_WORKER * sum(workers.values()) + 2
    assert (result.tally.total, result.tally.completed, result.tally.failed) == (300, 299, 1)
    assert [job.video_id for job in result.jobs] == ["video000007"] and not result.whole
    assert result.exit_code == EXIT_FAILED
    gc.collect()
    assert sum(ref() is not None for ref in loaded) == 1


def test_a_stop_counts_the_keys_not_handed_out_unfinished_without_loading_them(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(executors_base, "KEPT", 50)
    loads: list[str] = []

    class Counting(SqliteStore):
        def load(self, key: str) -> VideoProcessingJob | None:
            loads.append(key)
            return super().load(key)

    def write(job):
        raise OSError(errno.ENOSPC, "No space left on device")

    store = Counting(tmp_path / "vault")
    jobs = make_jobs(200)
    store.save_many(jobs)
    workers = {"fetch": 1, "generate": 1, "write": 1}
    result = Runner(store, FakeStages(fake_steps(tmp_path, write=write), workers), tmp_path).run(
        StoredJobs(store, [job.key for job in jobs]))
    assert result.stopped_by is not None and len(loads) <= IN_FLIGHT_PER_WORKER * 3 + 2
    assert result.tally.unfinished == 200 and result.tally.total == 200
    assert len(store.jobs()) == 200 and not any(job.is_finished() for job in store.jobs())


def test_a_small_batch_of_keys_keeps_every_job_in_input_order(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "vault")
    jobs = make_jobs(20)
    store.save_many(jobs)
    result = Runner(store, FakeStages(fake_steps(tmp_path), {"fetch": 3, "generate": 2, "write": 2}), tmp_path).run(
        StoredJobs(store, [job.key for job in jobs]))
    assert result.whole and [job.video_id for job in result.jobs] == [job.video_id for job in jobs]
    assert len(result.completed) == 20 == result.tally.completed
