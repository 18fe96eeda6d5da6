"""Runs many jobs: streaming through the stages, a concurrency limit per stage.

There is no barrier between stages: a job moves on as soon as its stage is
done. Each stage has its own thread pool, so fetching is bounded by the exit
node pool, generation by the LLM concurrency, writing has a single writer
and export uses the CPU cores. Every transition is committed to the store.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from tubenotes.errors import TubenotesError
from tubenotes.job import ProcessingStage, VideoProcessingJob
from tubenotes.store import JobStore

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

StageFunction = Callable[[VideoProcessingJob], VideoProcessingJob]


@dataclass
class Step:
    """One stage as the runner sees it: a function and how many jobs may be in it at once."""

    name: str
    run: StageFunction
    workers: int


# Which step a job needs next, from the last checkpoint its data proves.
_NEXT_STEP = {
    ProcessingStage.CREATED: "fetch",
    ProcessingStage.TRANSCRIPT_FETCHED: "generate",
    ProcessingStage.NOTES_GENERATED: "generate",
    ProcessingStage.ASSESSMENT_GENERATED: "write",
    ProcessingStage.FILES_WRITTEN: "export",
}


class Reporter(Protocol):
    """Progress output; the runner calls it from worker threads."""

    def batch_started(self, jobs: list[VideoProcessingJob], steps: list[str]) -> None: ...

    def step_started(self, job: VideoProcessingJob, step: str) -> None: ...

    def step_finished(self, job: VideoProcessingJob, step: str) -> None: ...

    def stopping(self) -> None: ...

    def batch_finished(self, jobs: list[VideoProcessingJob]) -> None: ...


@dataclass
class RunResult:
    jobs: list[VideoProcessingJob]
    interrupted: bool = False

    @property
    def failed(self) -> list[VideoProcessingJob]:
        return [job for job in self.jobs if job.stage is ProcessingStage.FAILED]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if self.failed else EXIT_OK


class PipelineRunner:
    def __init__(self, store: JobStore, steps: list[Step], reporter: Reporter) -> None:
        self.store = store
        self.steps = {step.name: step for step in steps}
        self.reporter = reporter
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._outstanding = 0
        self._all_done = threading.Event()

    def next_step(self, job: VideoProcessingJob) -> str | None:
        """The next step to run, or None when the job is finished."""
        done = job.done_stage()
        if done is ProcessingStage.FILES_WRITTEN and "export" not in self.steps:
            return None
        return _NEXT_STEP.get(done)

    def run(self, jobs: Iterable[VideoProcessingJob]) -> RunResult:
        jobs = list(jobs)
        self._executors = {
            name: ThreadPoolExecutor(max_workers=step.workers, thread_name_prefix=f"tubenotes-{name}")
            for name, step in self.steps.items()
        }
        self.reporter.batch_started(jobs, list(self.steps))
        with self._lock:
            self._outstanding = len(jobs)
        if not jobs:
            self._all_done.set()
        # Jobs are handed out from a thread of their own, so that a Ctrl-C in the main
        # thread can never leave some of them neither handed out nor counted.
        feeder = threading.Thread(target=lambda: [self._dispatch(job) for job in jobs], name="tubenotes-feeder")
        sigint = signal.getsignal(signal.SIGINT)
        interrupted = False
        try:
            feeder.start()
            self._wait()
        except KeyboardInterrupt:
            interrupted = True
            self._drain()
        finally:
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, sigint)
            for executor in self._executors.values():
                executor.shutdown(wait=not interrupted, cancel_futures=True)
        self.reporter.batch_finished(jobs)
        return RunResult(jobs, interrupted=interrupted)

    def _wait(self) -> None:
        # A timed wait, so that the main thread sees Ctrl-C promptly.
        while not self._all_done.wait(0.2):
            pass

    def _drain(self) -> None:
        """First Ctrl-C: take no new work, let the stages in progress reach their next checkpoint."""
        self._stopping.set()
        # Until the batch ends a second Ctrl-C leaves at once. Every commit so far is
        # durable (SQLite WAL); a job cut off resumes from its last checkpoint.
        signal.signal(signal.SIGINT, lambda signum, frame: os._exit(EXIT_INTERRUPTED))
        self.reporter.stopping()
        self._wait()

    def _dispatch(self, job: VideoProcessingJob) -> None:
        """Hand the job to its next step, or count it finished; never raises, so no job is lost."""
        try:
            step = None if job.stage is ProcessingStage.FAILED else self.next_step(job)
            if step is not None and not self._stopping.is_set():
                self._executors[step].submit(self._work, self.steps[step], job)
                return
            if step is None and not job.is_finished():
                job.mark_completed()
                self.store.save(job)
            elif step is not None:
                self.store.save(job)  # stopping: kept as it is for `resume`
        except Exception:
            log.error("could not hand on %s:\n%s", job.video_id, traceback.format_exc())
        self._finish_one()

    def _work(self, step: Step, job: VideoProcessingJob) -> None:
        if self._stopping.is_set():
            self._dispatch(job)
            return
        try:
            self.reporter.step_started(job, step.name)
            try:
                job = step.run(job)
            except TubenotesError as exc:
                job.mark_failed(str(exc), exc.kind, exc.retryable)
            except Exception as exc:  # a bug: fail this job loudly, keep the batch going
                log.error("internal error in %s for %s:\n%s", step.name, job.video_id, traceback.format_exc())
                job.mark_failed(f"internal error in {step.name}: {type(exc).__name__}: {exc}", "internal", True)
            self.store.save(job)
            self.reporter.step_finished(job, step.name)
        except Exception:
            # The store or the display failed: the job keeps its last saved checkpoint.
            log.error("could not record %s after %s:\n%s", job.video_id, step.name, traceback.format_exc())
            self._finish_one()
            return
        self._dispatch(job)

    def _finish_one(self) -> None:
        with self._lock:
            self._outstanding -= 1
            if self._outstanding <= 0:
                self._all_done.set()
